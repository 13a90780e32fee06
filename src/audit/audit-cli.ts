import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Settings } from '../config/read-settings.ts';
import { displayUrl } from '../observability/display-url.ts';
import { pingRedis } from '../services/redis-server.ts';
import { redisKeys } from '../store/keys.ts';
import { newRedis } from '../store/redis-connector.ts';
import { redisTarget } from '../store/redis-url.ts';
import { auditHeadFile, loadAuditKey } from './audit-key.ts';
import { readHead } from './audit-log.ts';
import { verifyAudit } from './verify-audit.ts';

/**
 * The Redis voxoz uses: REDIS_URL, else the redis-server voxoz runs in its data dir, if one
 * answers. None is started here: the trail lives where voxoz keeps it, and an empty new server
 * would only say "0 records".
 */
export async function redisFor(settings: Settings): Promise<Redis> {
  const socket = join(resolve(settings.dataDir), 'redis', 'redis.sock');
  if (!settings.redisUrl && !(await pingRedis(socket)))
    throw new Error(
      `no redis-server answers at ${socket} and REDIS_URL is not set; start voxoz (its redis-server holds the trail) or set REDIS_URL and VOXOZ_QUEUE as voxoz has them`,
    );
  const target = settings.redisUrl ?? socket;
  const redis = newRedis(redisTarget(target, 'REDIS_URL'), {
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  // ioredis rejects with "Connection is closed"; the reason came as an error event before it.
  let reason: Error | undefined;
  redis.on('error', (err: Error) => {
    reason = err;
  });
  await redis.connect().catch((err: Error) => {
    redis.disconnect();
    throw new Error(`Redis does not answer at ${displayUrl(target)} (${(reason ?? err).message})`);
  });
  return redis;
}

/**
 * `voxoz audit export` (JSON lines, oldest first) and `voxoz audit verify` (OK with the count,
 * or each problem; exit 1). Reads the key and head the bot process keeps (VOXOZ_AUDIT_KEY or the
 * data dir), so it runs where voxoz runs.
 */
export async function auditCli(verb: string | undefined, settings: Settings, write: (text: string) => void): Promise<number> {
  if (verb !== 'export' && verb !== 'verify') {
    write('usage: voxoz audit export | voxoz audit verify\n');
    return 2;
  }
  const redis = await redisFor(settings);
  try {
    const lines = await redis.lrange(redisKeys(settings.queueName).auditLog, 0, -1);
    if (verb === 'export') {
      for (const line of lines) write(`${line}\n`);
      return 0;
    }
    const head = readHead(auditHeadFile(settings.dataDir));
    const check = verifyAudit(lines, loadAuditKey(settings.dataDir, settings.auditKey, false), head);
    if (check.ok) {
      write(
        `audit trail OK: ${check.count} records, each MAC and link verified${head ? `, and it reaches record ${head.seq} written here` : ''}\n`,
      );
      return 0;
    }
    write(`audit trail NOT OK (${check.count} records):\n${check.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  } finally {
    redis.disconnect();
  }
}
