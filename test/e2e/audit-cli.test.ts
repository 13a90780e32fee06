import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { auditHeadFile, loadAuditKey } from '../../src/audit/audit-key.ts';
import { createAuditLog } from '../../src/audit/audit-log.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { BIN, ROOT } from '../support/spawn-voxoz.ts';

// `voxoz audit export|verify` as a user runs them, against a trail written the way the bot writes it.
const dir = mkdtempSync(join(tmpdir(), 'vxc-'));
const redis = new Redis(inject('redisUrl'));
afterAll(async () => {
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

const audit = (env: NodeJS.ProcessEnv, verb: string) =>
  new Promise<{ code: number; out: string }>((done) => {
    execFile('node', [BIN, 'audit', verb], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });

describe('voxoz audit on the command line', () => {
  it('without REDIS_URL and with no redis-server running in the data dir, says so and starts none', async () => {
    const data = join(dir, 'idle');
    const { code, out } = await audit({ REDIS_URL: '', VOXOZ_DATA_DIR: data }, 'verify');
    expect(code).toBe(1);
    expect(out).toContain(`no redis-server answers at ${join(data, 'redis', 'redis.sock')} and REDIS_URL is not set`);
    expect(existsSync(join(data, 'redis'))).toBe(false);
  });

  it('exports the records as JSON lines and names a forged record inserted in Redis', async () => {
    const data = join(dir, 'data');
    const queue = `test-${randomUUID().slice(0, 8)}`;
    const keys = redisKeys(queue);
    const log = createAuditLog({ redis, keys, key: loadAuditKey(data, undefined), headFile: auditHeadFile(data), now: () => new Date() });
    for (const what of ['deploy hello', 'rollback hello', 'unlock hello'])
      await log.record({ type: 'command', actor: 'local:ann', what, app: 'hello', result: 'queued' });
    const env = { REDIS_URL: inject('redisUrl'), VOXOZ_DATA_DIR: data, VOXOZ_QUEUE: queue };
    expect(await audit(env, 'verify')).toEqual({
      code: 0,
      out: 'audit trail OK: 3 records, each MAC and link verified, and it reaches record 3 written here\n',
    });
    const exported = await audit(env, 'export');
    expect(
      exported.out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { seq: number; what: string }).what),
    ).toEqual(['deploy hello', 'rollback hello', 'unlock hello']);
    const second = JSON.parse((await redis.lindex(keys.auditLog, 1))!) as Record<string, unknown>;
    await redis.linsert(keys.auditLog, 'BEFORE', JSON.stringify(second), JSON.stringify({ ...second, what: 'rollback web', app: 'web' }));
    const { code, out } = await audit(env, 'verify');
    expect(code).toBe(1);
    expect(out).toBe(
      'audit trail NOT OK (4 records):\n  - entry 2 in the list was inserted: it claims to be record 2, which is there too, and its MAC does not match its content\n',
    );
  });
});
