import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.ts';
import { verifyAudit } from '../../src/audit/verify-audit.ts';
import { redisKeys } from '../../src/store/keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'vxa-'));
const clients: Redis[] = [];
afterAll(async () => {
  for (const c of clients) await c.quit();
  rmSync(dir, { recursive: true, force: true });
});
const KEY = Buffer.from('an audit key of thirty-two chars!');

function log(keys: ReturnType<typeof redisKeys>, headFile: string) {
  const redis = new Redis(inject('redisUrl'));
  clients.push(redis);
  return createAuditLog({ redis, keys, key: KEY, headFile, now: () => new Date() });
}

describe('the audit trail on real Redis', () => {
  it('two processes appending 50 records each at once: numbers 1..100 with no gap, one valid chain, the head outside Redis', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const [a, b] = [log(keys, join(dir, 'a-head.json')), log(keys, join(dir, 'b-head.json'))];
    const entry = (who: string, i: number) => ({
      type: 'command',
      actor: `local:${who}`,
      what: `status hello #${i}`,
      app: 'hello',
      result: 'answered',
    });
    await Promise.all(Array.from({ length: 50 }, (_, i) => [a.record(entry('ann', i)), b.record(entry('ben', i))]).flat());
    const all = await a.list();
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const lines = await clients[0]!.lrange(keys.auditLog, 0, -1);
    const heads = ['a', 'b'].map((p) => JSON.parse(readFileSync(join(dir, `${p}-head.json`), 'utf8')) as { seq: number; mac: string });
    expect(Math.max(...heads.map((h) => h.seq))).toBe(100);
    for (const h of heads) expect(verifyAudit(lines, KEY, h)).toEqual({ ok: true, count: 100 });
    expect(statSync(join(dir, 'a-head.json')).mode & 0o777).toBe(0o600);
  });

  it('lists by app and time, newest last, and never writes the key to Redis', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const l = log(keys, join(dir, 'c-head.json'));
    await l.record({ type: 'command', actor: 'local:ann', what: 'deploy web', app: 'web', result: 'queued' });
    await l.record({ type: 'refused', actor: 'local:eve', what: 'deploy hello', app: 'hello', result: 'deploy: not allowed' });
    expect((await l.list({ app: 'hello' })).map((r) => r.what)).toEqual(['deploy hello']);
    expect(await l.list({ since: new Date(Date.now() + 60_000) })).toEqual([]);
    const everything = JSON.stringify(await clients.at(-1)!.lrange(keys.auditLog, 0, -1)) + (await clients.at(-1)!.get(keys.auditHead));
    expect(everything).not.toContain(KEY.toString());
  });
});
