import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { auditJobEvents } from '../../src/audit/audit-job-events.ts';
import { createAuditLog } from '../../src/audit/audit-log.ts';
import type { JobData } from '../../src/core/types.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { waitFor } from '../support/wait-for.ts';

// What the relay calls for each `started` and `done` event it reads, on real Redis: one record per
// event however many relays read it, and an event whose write failed is written by the next reader.
const dir = mkdtempSync(join(tmpdir(), 'vxj-'));
const redis = new Redis(inject('redisUrl'));
afterAll(async () => {
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

const job: JobData = {
  id: 'j-1',
  kind: 'deploy',
  command: 'deploy hello',
  app: 'hello',
  env: 'production',
  args: { app: 'hello' },
  requestedBy: { id: 'slack:T1/U2', name: 'ann' },
  thread: { platform: 'slack', conversation: 'C123' },
  requestedAt: '2026-12-03T09:00:00.000Z',
};
const started = { type: 'started' as const, at: '2026-12-03T09:00:01.000Z', attempt: 1, worker: 'w1' };
const done = {
  type: 'done' as const,
  at: '2026-12-03T09:00:09.000Z',
  outcome: 'succeeded' as const,
  result: { title: 'deploy hello: live', fields: [{ label: 'release', value: 'v7' }] },
};

describe('job start and outcome in the audit trail', () => {
  it('once each, whoever reads the event; with where, release and outcome', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const log = createAuditLog({ redis, keys, key: Buffer.alloc(32, 1), headFile: join(dir, 'a.json'), now: () => new Date() });
    // Two relays (a takeover reads the same events again).
    const [one, two] = [0, 1].map(() => auditJobEvents({ redis, keys, audit: log, log: silentLogger }));
    for (const read of [one!, two!, one!]) {
      read(job, started);
      read(job, done);
    }
    const records = await waitFor('two records', async () => {
      const all = await log.list();
      return all.length >= 2 && all;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(await log.list()).toHaveLength(2);
    expect(
      records.map(({ type, actor, where, what, app, env, job: id, release, result }) => ({
        type,
        actor,
        where,
        what,
        app,
        env,
        id,
        release,
        result,
      })),
    ).toEqual([
      {
        type: 'job-started',
        actor: 'slack:T1/U2',
        where: 'slack:C123',
        what: 'deploy hello',
        app: 'hello',
        env: 'production',
        id: 'j-1',
        release: undefined,
        result: 'attempt 1 on w1',
      },
      {
        type: 'job-finished',
        actor: 'slack:T1/U2',
        where: 'slack:C123',
        what: 'deploy hello',
        app: 'hello',
        env: 'production',
        id: 'j-1',
        release: 7,
        result: 'succeeded: deploy hello: live',
      },
    ]);
  });

  it('names an environment only where the job acts on one: not for a summary or a status of every environment', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const log = createAuditLog({ redis, keys, key: Buffer.alloc(32, 1), headFile: join(dir, 'c.json'), now: () => new Date() });
    const read = auditJobEvents({ redis, keys, audit: log, log: silentLogger });
    const jobs: JobData[] = [
      { ...job, id: 'j-summary', kind: 'summary', command: 'summary morning', args: {} },
      { ...job, id: 'j-status-all', kind: 'status', command: 'status hello', args: { app: 'hello' } },
      { ...job, id: 'j-status-one', kind: 'status', command: 'status --env staging', env: 'staging', args: { env: 'staging' } },
      { ...job, id: 'j-logs', kind: 'logs', command: 'logs hello' },
    ];
    delete jobs[0]!.app;
    delete jobs[2]!.app;
    for (const j of jobs) read(j, started);
    const records = await waitFor('four records', async () => {
      const all = await log.list();
      return all.length >= 4 && all;
    });
    expect(Object.fromEntries(records.map((r) => [r.job, r.env ?? 'none']))).toEqual({
      'j-summary': 'none',
      'j-status-all': 'none',
      'j-status-one': 'staging',
      'j-logs': 'production',
    });
  });

  it('an event whose write failed is not marked as written: the next relay to read it writes it', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const log = createAuditLog({ redis, keys, key: Buffer.alloc(32, 1), headFile: join(dir, 'b.json'), now: () => new Date() });
    let calls = 0;
    const failing = auditJobEvents({
      redis,
      keys,
      audit: { record: async () => Promise.reject(new Error(`audit write ${++calls} failed`)) },
      log: silentLogger,
    });
    failing(job, done);
    await waitFor('the failed write', async () => calls === 1 && (await redis.exists(keys.auditSeen(job.id, 'done'))) === 0);
    auditJobEvents({ redis, keys, audit: log, log: silentLogger })(job, done);
    const [record] = await waitFor('the record', async () => {
      const all = await log.list();
      return all.length === 1 && all;
    });
    expect(record).toMatchObject({ type: 'job-finished', job: 'j-1', release: 7 });
  });
});
