import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Settings } from '../config/read-settings.ts';
import { redisKeys } from '../store/keys.ts';
import { auditHeadFile, loadAuditKey } from './audit-key.ts';
import { readHead } from './audit-log.ts';
import { verifyAudit } from './verify-audit.ts';

/** The Redis voxoz uses: REDIS_URL, else the data dir's own redis-server, if it runs. */
function redisFor(settings: Settings): Redis {
  const socket = join(resolve(settings.dataDir), 'redis', 'redis.sock');
  const target = settings.redisUrl ?? (existsSync(socket) ? socket : undefined);
  if (!target)
    throw new Error(
      `no redis-server runs for ${resolve(settings.dataDir)} and REDIS_URL is not set; start voxoz (npm start) or set REDIS_URL`,
    );
  const redis = new Redis(target, { maxRetriesPerRequest: 1, connectTimeout: 3000, lazyConnect: true });
  redis.on('error', () => undefined);
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
  const redis = redisFor(settings);
  try {
    await redis.connect();
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
