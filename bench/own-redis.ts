import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
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

/**
 * The bench's redis-server keeps an append-only file (as voxoz's own does) and rewrites it by
 * itself each time it has doubled: a fork whose child takes a core for up to a second, at a moment
 * set by the file's size. In a bench that times drains of a second or two on two cores it lands in
 * one of them at random (a drain it fell in ran ~35 % slower). `holdAofRewrites` stops the rewrites
 * that come by themselves; `rewriteAofNow`, called between timed parts, rewrites the file and
 * waits until it is done. Every write still goes to the file, timed as before.
 */
export async function holdAofRewrites(client: Redis): Promise<void> {
  await client.config('SET', 'auto-aof-rewrite-percentage', '0');
}

export async function rewriteAofNow(client: Redis): Promise<void> {
  // One already under way (the file made at start) is waited for like the one asked for.
  await client.bgrewriteaof().catch((err: Error) => {
    if (!/already in progress/i.test(err.message)) throw err;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const info = await client.info('persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    if (Date.now() > deadline) throw new Error('the append-only file rewrite did not end within 60 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}
