import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.ts';
import { redisKeys } from '../../src/store/keys.ts';

// `list` reads the trail from its newest end a page at a time: a long trail is answered from its
// tail, an app's records are found across pages, and an entry that is not JSON is skipped.
const dir = mkdtempSync(join(tmpdir(), 'vxl-'));
const redis = new Redis(inject('redisUrl'));
afterAll(async () => {
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

describe('listing a long audit trail', () => {
  it('the newest records, by app and time, across pages, newest last', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    // 1300 records a minute apart, every 100th about "web", one entry in the middle damaged.
    const lines = Array.from({ length: 1300 }, (_, i) =>
      JSON.stringify({
        seq: i + 1,
        at: at(i),
        type: 'command',
        actor: 'local:ann',
        what: `status #${i + 1}`,
        app: i % 100 === 0 ? 'web' : 'hello',
        result: 'ok',
        prev: '',
        mac: '',
      }),
    );
    lines[1250] = 'not json';
    await redis.rpush(keys.auditLog, ...lines);
    const log = createAuditLog({ redis, keys, key: Buffer.alloc(32), headFile: join(dir, 'head.json'), now: () => new Date() });

    expect((await log.list({ limit: 3 })).map((r) => r.seq)).toEqual([1298, 1299, 1300]);
    expect((await log.list({ app: 'web' })).map((r) => r.seq)).toEqual([1, 101, 201, 301, 401, 501, 601, 701, 801, 901, 1001, 1101, 1201]);
    expect((await log.list({ app: 'web', limit: 2 })).map((r) => r.seq)).toEqual([1101, 1201]);
    const lastHour = await log.list({ since: new Date(Date.parse(at(1240))) });
    expect(lastHour.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => 1241 + i).filter((s) => s !== 1251));
    expect(await log.list({ since: new Date(Date.parse(at(2000))) })).toEqual([]);
    expect(await log.list()).toHaveLength(1299);
  });
});
