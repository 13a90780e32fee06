import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../src/services/redis-server.ts';

/** REDIS_URL when set, else a private redis-server in a temp folder; `stop()` removes what it started. */
export async function benchRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'vxbr-'));
  const redis = await startRedisServer(dir);
  return {
    url: redis.url,
    async stop() {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
