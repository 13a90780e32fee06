import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { createAccessPolicy } from '../../src/access/access-policy.ts';
import { createApprovalStore } from '../../src/approvals/approval-store.ts';
import { createApprovals } from '../../src/approvals/approvals.ts';
import { createAuditLog } from '../../src/audit/audit-log.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import type { ChatUser, JobData } from '../../src/core/types.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';
import type { Driver } from '../../src/drivers/driver.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { formatSummary } from '../../src/schedule/format-summary.ts';
import { shownAs } from '../../src/access/grants.ts';
import { gatherSummary } from '../../src/schedule/gather-summary.ts';
import { createSummaryHistory } from '../../src/schedule/summary-history.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { createLockStore } from '../../src/store/lock-store.ts';
import { createSystemJobs } from '../../src/store/record-system-job.ts';
import { createReleaseStore } from '../../src/store/release-store.ts';

// Approvals in "changes since the last summary", on real Redis: the real approvals (bot side)
// decide requests and write the audit trail as voxoz does; the summary reads them back the way a
// worker can (no audit key), through the Redis-backed history.
const config = validateConfig(
  {
    people: { ann: { local: 'ann' }, ben: { local: 'ben' }, cat: { local: 'cat' } },
    access: {
      grants: [
        { to: ['ann'], role: 'deployer' },
        { to: ['ben', 'cat'], role: 'approver' },
      ],
    },
    apps: [
      { name: 'hello', source: { path: '.' }, port: 8080 },
      { name: 'other', source: { path: '.' }, port: 8090 },
    ],
    schedules: [{ name: 'morning', cron: '0 9 * * *', apps: ['hello'], target: { platform: 'local', channel: 'ops' } }],
  },
  '/tmp/voxoz.yml',
);
const u = (name: string): ChatUser => ({ id: `local:${name}`, name });
const [ANN, BEN, CAT] = [u('ann'), u('ben'), u('cat')];
const registry = createRegistry(commands);
const dir = mkdtempSync(join(tmpdir(), 'vxs-'));
const clients: Redis[] = [];
const queues: Queue<JobData>[] = [];
afterAll(async () => {
  for (const q of queues) await q.close();
  for (const c of clients) await c.quit();
  rmSync(dir, { recursive: true, force: true });
});

describe('approvals since the last summary', () => {
  it('names each decision since the mark (approved by whom, rejected, expired, void) as a change; older ones and other apps are left out', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const redis = new Redis(inject('redisUrl'));
    const auditRedis = new Redis(inject('redisUrl'));
    clients.push(redis, auditRedis);
    const queue = new Queue<JobData>('jobs', { connection: redis.duplicate(), prefix: keys.bull });
    queues.push(queue);
    let clock = new Date('2026-12-03T06:00:00.000Z');
    const now = () => clock;
    const releases = createReleaseStore(redis, keys);
    const audit = createAuditLog({ redis: auditRedis, keys, key: Buffer.alloc(32, 7), headFile: join(dir, 'head.json'), now });
    const approvals = createApprovals({
      redis,
      keys,
      store: createApprovalStore(redis, keys),
      config: () => config,
      releases,
      policy: createAccessPolicy({ config: () => config, locks: createLockStore(redis, keys) }),
      jobs: createSystemJobs({ redis, queue, keys, config: () => config, now }),
      now,
      log: silentLogger,
      audit,
      postedWaitMs: 0, // no relay posts the requests here
    });
    const live = (app: string, number: number) =>
      releases.record({
        app,
        env: 'production',
        number,
        artifact: `sha256:${number}`,
        deployedBy: 'local:ann',
        at: clock.toISOString(),
        outcome: 'live',
        jobId: `${app}-${number}`,
      });
    const ask = async (text: string) => {
      const parsed = parseCommand(text, registry, { appNames: ['hello', 'other'] });
      if (!parsed.ok) throw new Error(parsed.problems.join());
      const inv = {
        platform: 'local',
        user: ANN,
        conversation: 'ops',
        text,
        receivedAt: clock,
        deliveryId: randomUUID(),
        meta: { thread: randomUUID() },
      };
      const reply = await approvals.request(inv, parsed.command, parsed.args, 'production', 'rollback');
      const id = /\((apv-[^)]+)\)/.exec(reply.text ?? '')?.[1];
      if (!id) throw new Error(`no approval id in ${reply.text}`);
      return id;
    };
    await live('hello', 1);
    await live('hello', 2);
    await live('other', 1);
    await live('other', 2);
    // Before the mark: decided, and not named.
    await approvals.decide(await ask('rollback hello'), BEN, 'rejected');
    const since = '2026-12-03T07:00:00.000Z';
    clock = new Date('2026-12-03T07:10:00.000Z');
    await approvals.decide(await ask('rollback hello'), BEN, 'approved');
    await approvals.decide(await ask('rollback other'), BEN, 'approved'); // an app the schedule does not cover
    clock = new Date('2026-12-03T07:20:00.000Z');
    await approvals.decide(await ask('rollback hello'), CAT, 'rejected', 'v1 has the login bug');
    await ask('rollback hello');
    const lapsing = await ask('rollback hello');
    clock = new Date('2026-12-03T07:40:00.000Z'); // past the 15 min expiry
    await approvals.sweep();
    expect((await createApprovalStore(redis, keys).get(lapsing))?.state).toBe('expired');
    // Voided: another release went live before anyone approved.
    const voided = await ask('rollback hello');
    await live('hello', 3);
    clock = new Date('2026-12-03T07:50:00.000Z');
    await approvals.decide(voided, BEN, 'approved');

    const history = createSummaryHistory(redis, keys);
    const driver = { runtime: 'docker', status: async () => [] } as unknown as Driver;
    const state = await gatherSummary(
      { config, drivers: { docker: driver }, releases, locks: createLockStore(redis, keys), history },
      config.schedules[0]!,
      since,
    );
    const { result, details } = formatSummary(state, new Date('2026-12-03T08:00:00.000Z'));
    const approvalLines = details.filter((l) => l.startsWith('change: approval: '));
    expect(approvalLines).toEqual([
      'change: approval: rollback hello/production from v2 to v1 approved by local:ben 50m ago',
      'change: approval: rollback hello/production from v2 to v1 rejected by local:cat 40m ago',
      'change: approval: rollback hello/production from v2 to v1 expired 20m ago',
      'change: approval: rollback hello/production from v2 to v1 expired 20m ago',
      'change: approval: rollback hello/production from v2 to v1 void 10m ago',
    ]);
    expect(result.text).toContain('approval: rollback hello/production from v2 to v1 approved by local:ben 50m ago');
    expect(details.join('\n')).not.toContain('rollback other');
    // Shown as voxoz shows them: listed people by their names.
    const named = formatSummary(state, new Date('2026-12-03T08:00:00.000Z'), (id) => shownAs(config, id)).details;
    expect(named).toContain('change: approval: rollback hello/production from v2 to v1 approved by ben 50m ago');
    expect(named).toContain('change: approval: rollback hello/production from v2 to v1 rejected by cat 40m ago');
  });

  it('the restart counts are stored beside the mark, in one write, and read back per schedule', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const redis = new Redis(inject('redisUrl'));
    clients.push(redis);
    const history = createSummaryHistory(redis, keys);
    expect(await history.restartCounts('morning')).toBeUndefined();
    await history.setMark('morning', '2026-12-03T09:00:00.000Z', { abc: 3, def: 0 });
    await history.setMark('evening', '2026-12-03T18:00:00.000Z', {});
    expect(await history.mark('morning')).toBe('2026-12-03T09:00:00.000Z');
    expect(await history.restartCounts('morning')).toEqual({ abc: 3, def: 0 });
    expect(await history.restartCounts('evening')).toEqual({});
  });
});
