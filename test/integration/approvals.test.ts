import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { createAccessPolicy } from '../../src/access/access-policy.ts';
import { createApprovalStore } from '../../src/approvals/approval-store.ts';
import { createApprovals } from '../../src/approvals/approvals.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import type { ChatUser, Invocation, JobData } from '../../src/core/types.ts';
import { isUserError } from '../../src/core/user-error.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { JOB_FIELD } from '../../src/store/job-fields.ts';
import { createJobStore } from '../../src/store/job-store.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { createLockStore } from '../../src/store/lock-store.ts';
import { createSystemJobs } from '../../src/store/record-system-job.ts';
import { createReleaseStore } from '../../src/store/release-store.ts';

// Approvals on real Redis and a real BullMQ queue: requests, decisions made once whatever the
// clicks or processes, expiry on a driven clock, and voiding by a newer release.
const config = validateConfig(
  {
    people: { ann: { local: 'ann' }, ben: { local: 'ben' }, cat: { local: 'cat' }, sol: { local: 'sol' } },
    access: {
      grants: [
        { to: ['ann', 'sol'], role: 'deployer' },
        { to: ['ben', 'cat'], role: 'approver' },
      ],
    },
    apps: [{ name: 'hello', source: { path: '.' }, port: 8080, environments: { production: {}, solo: { port: 8180 } } }],
  },
  '/tmp/voxoz.yml',
);
const soloConfig = validateConfig(
  {
    people: { sol: { local: 'sol' } },
    access: { grants: [{ to: ['sol'], role: 'admin' }] },
    apps: [{ name: 'hello', source: { path: '.' }, port: 8080 }],
  },
  '/tmp/voxoz.yml',
);
const u = (name: string): ChatUser => ({ id: `local:${name}`, name });
const [ANN, BEN, CAT, EVE] = [u('ann'), u('ben'), u('cat'), u('eve')];
const registry = createRegistry(commands);
const clients: Redis[] = [];
const queues: Queue<JobData>[] = [];
let clock = new Date('2026-12-03T09:00:00.000Z');

/** No relay runs here: an approve waits `postedWaitMs` for a request's message that is never posted. */
function voxoz(keys: ReturnType<typeof redisKeys>, cfg = config, recordFails?: string, postedWaitMs = 0) {
  const redis = new Redis(inject('redisUrl'));
  clients.push(redis);
  const queue = new Queue<JobData>('jobs', { connection: redis.duplicate(), prefix: keys.bull });
  queues.push(queue);
  const releases = createReleaseStore(redis, keys);
  const policy = createAccessPolicy({ config: () => cfg, locks: createLockStore(redis, keys) });
  const recorder = createSystemJobs({ redis, queue, keys, config: () => cfg, now: () => clock });
  // Our own recorder failing as it does when Redis times out between the decision and the job.
  const jobs: typeof recorder = recordFails ? { ...recorder, record: () => Promise.reject(new Error(recordFails)) } : recorder;
  const approvals = createApprovals({
    redis,
    keys,
    store: createApprovalStore(redis, keys),
    config: () => cfg,
    releases,
    policy,
    jobs,
    now: () => clock,
    log: silentLogger,
    postedWaitMs,
  });
  return { redis, queue, releases, approvals };
}

async function live(v: ReturnType<typeof voxoz>, number: number) {
  await v.releases.record({
    app: 'hello',
    env: 'production',
    number,
    artifact: `sha256:${number}`,
    deployedBy: 'local:ann',
    at: clock.toISOString(),
    outcome: 'live',
    jobId: `j${number}`,
  });
}

const inv = (who: ChatUser, text: string): Invocation => ({
  platform: 'local',
  user: who,
  conversation: 'ops',
  text,
  receivedAt: clock,
  deliveryId: randomUUID(),
  meta: { thread: `t-${randomUUID().slice(0, 6)}` },
});

async function ask(v: ReturnType<typeof voxoz>, who: ChatUser, text: string, env = 'production') {
  const parsed = parseCommand(text, registry, { appNames: ['hello'] });
  if (!parsed.ok) throw new Error(parsed.problems.join());
  const reply = await v.approvals.request(inv(who, text), parsed.command, parsed.args, env, 'rollback');
  const id = /\((apv-[^)]+)\)/.exec(reply.text ?? '')?.[1];
  if (!id) throw new Error(`no approval id in ${reply.text}`);
  return { reply, id };
}

/** Everything the approval message's stream holds, as the relay reads it. */
const messageEvents = async (v: ReturnType<typeof voxoz>, keys: ReturnType<typeof redisKeys>, id: string) =>
  (await readWholeJobStream(v.redis, keys, id)).map((e) => e.event);

let keys: ReturnType<typeof redisKeys>;
let a: ReturnType<typeof voxoz>;
beforeAll(async () => {
  keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
  a = voxoz(keys);
  await live(a, 1);
  await live(a, 2);
});
afterAll(async () => {
  for (const q of queues) await q.close();
  for (const c of clients) await c.quit();
});

describe('approvals on real Redis', () => {
  it('a request names the exact rollback, is posted as a message with Approve and Reject, and queues nothing', async () => {
    const { reply, id } = await ask(a, ANN, 'rollback hello');
    expect(reply.status).toBe('waiting-approval');
    expect(reply.text).toContain('expires at 2026-12-03 09:15 UTC');
    const message = await createJobStore(a.redis, keys).data(id);
    expect(message).toMatchObject({ kind: 'approval', command: 'rollback hello/production from v2 to v1', requestedBy: ANN });
    expect(message?.args).toMatchObject({ approvers: 'ben, cat' });
    expect(await a.redis.sismember(keys.relayActive, id)).toBe(1);
    expect((await messageEvents(a, keys, id)).map((e) => e.type)).toEqual(['queued', 'started']);
    expect(await a.queue.getJobCounts()).toMatchObject({ waiting: 0, delayed: 0 });
  });

  it('refuses a target that cannot be rolled back to before anyone is asked, saying why and which can', async () => {
    const refusal = async (args: Record<string, string>) => {
      const parsed = parseCommand('rollback hello', registry, { appNames: ['hello'] });
      if (!parsed.ok) throw new Error('parse');
      const err = await a.approvals
        .request(inv(ANN, 'rollback hello'), parsed.command, { ...parsed.args, ...args }, 'production', 'rollback')
        .catch((e: unknown) => e);
      return isUserError(err) ? [err.code, err.message] : err;
    };
    expect(await refusal({ target: 'v2' })).toEqual([
      'rollback_target_unavailable',
      'v2 of hello is the live release already; releases you can roll back to: v1. Nothing was asked for.',
    ]);
    expect(await refusal({ target: 'to v7' })).toEqual([
      'rollback_target_unavailable',
      'hello (production) has no release v7; releases you can roll back to: v1. Nothing was asked for.',
    ]);
    // Words that name no release (the parse refuses them first) are never taken for the default target.
    expect(await refusal({ target: 'banana' })).toEqual([
      'bad_release',
      '"banana" is not a release; write it as v3 (rollback <app> to v3). Nothing was asked for.',
    ]);
    expect(await a.queue.getJobCounts()).toMatchObject({ waiting: 0, delayed: 0 });
  });

  it('refuses at creation when nobody but the requester could approve (never fail-open)', async () => {
    const solo = voxoz(redisKeys(`test-${randomUUID().slice(0, 8)}`), soloConfig);
    await live(solo, 1);
    await live(solo, 2);
    const parsed = parseCommand('rollback hello', registry, { appNames: ['hello'] });
    if (!parsed.ok) throw new Error('parse');
    const err = await solo.approvals
      .request(inv(u('sol'), 'rollback hello'), parsed.command, parsed.args, 'production', 'rollback')
      .catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('no_approver');
    expect((err as Error).message).toContain('no one other than you holds approver on hello/production');
  });

  it('a stranger and the requester are refused; an approver approves once and the job is queued as the requester’s', async () => {
    const { id } = await ask(a, ANN, 'rollback hello');
    expect((await a.approvals.decide(id, EVE, 'approved')).text).toContain('you need approver on hello/production');
    expect((await a.approvals.decide(id, ANN, 'approved')).text).toContain(
      'someone else with approver on hello/production must approve it',
    );
    const ok = await a.approvals.decide(id, BEN, 'approved');
    expect(ok.title).toBe('rollback hello/production from v2 to v1: approved');
    const done = (await messageEvents(a, keys, id)).at(-1);
    expect(done).toMatchObject({
      type: 'done',
      outcome: 'succeeded',
      result: { title: 'rollback hello/production from v2 to v1: approved by ben' },
    });
    const record = await createApprovalStore(a.redis, keys).get(id);
    const job = await a.queue.getJob(record!.request.job.id);
    expect(job?.data).toMatchObject({ kind: 'rollback', requestedBy: ANN, approvedBy: BEN, args: { target: 'v1', bound: 2 } });
    expect((await a.approvals.decide(id, CAT, 'approved')).text).toMatch(/^Approved by ben at .*runs in this thread/);
  });

  it('a restart under an approval rule waits, and once approved is queued bound to the release live when it was asked for', async () => {
    // voxoz.yml accepts the rule.
    const ruled = validateConfig(
      { apps: [{ name: 'hello', source: { path: '.' }, port: 8080 }], approvals: { rules: [{ verb: 'restart', envs: ['production'] }] } },
      '/tmp/voxoz.yml',
    );
    expect(ruled.approvals.rules[0]).toMatchObject({ verb: 'restart', envs: ['production'] });
    const parsed = parseCommand('restart hello', registry, { appNames: ['hello'] });
    if (!parsed.ok) throw new Error('parse');
    const reply = await a.approvals.request(inv(ANN, 'restart hello'), parsed.command, parsed.args, 'production', 'restart');
    expect(reply.status).toBe('waiting-approval');
    const id = /\((apv-[^)]+)\)/.exec(reply.text ?? '')?.[1] ?? 'none';
    expect(await createJobStore(a.redis, keys).data(id)).toMatchObject({ kind: 'approval', command: 'restart hello (hello/production)' });
    expect((await a.approvals.decide(id, BEN, 'approved')).title).toBe('restart hello (hello/production): approved');
    const record = await createApprovalStore(a.redis, keys).get(id);
    const job = await a.queue.getJob(record!.request.job.id);
    expect(job?.data).toMatchObject({ kind: 'restart', requestedBy: ANN, approvedBy: BEN, args: { app: 'hello', bound: 2 } });
  });

  it('an approved job that cannot be queued ends its request: the message says so, the approver is told, nothing runs', async () => {
    const broken = voxoz(keys, config, 'Command timed out');
    const { id } = await ask(broken, ANN, 'rollback hello');
    const before = await broken.queue.getJobCounts();
    const err = await broken.approvals.decide(id, BEN, 'approved').catch((e: unknown) => e);
    expect(isUserError(err) && err.message).toBe('approved, but the job could not be queued (Command timed out); ask again');
    const done = (await messageEvents(broken, keys, id)).filter((e) => e.type === 'done');
    expect(done).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        result: {
          title: 'rollback hello/production from v2 to v1: approved by ben, but its job could not be queued',
          text: expect.stringMatching(
            /^Approved by ben at .*, but its job could not be queued \(Command timed out\); nothing ran\. Ask again\.$/,
          ),
        },
      }),
    ]);
    expect(await broken.queue.getJobCounts()).toEqual(before);
    // A later click is told the same, not that a job runs.
    expect((await broken.approvals.decide(id, CAT, 'approved')).text).toMatch(
      /^Approved by ben at .*, but its job could not be queued \(Command timed out\); nothing ran\. Ask again\.$/,
    );
    // A queued one hands its thread on to the job: its close says the thread goes on.
    const { id: next } = await ask(a, ANN, 'rollback hello');
    await a.approvals.decide(next, BEN, 'approved');
    expect((await messageEvents(a, keys, next)).at(-1)).toMatchObject({ outcome: 'succeeded', result: { goesOn: true } });
  });

  it('an approve sent before the relay posted the request waits for the message, so the job is posted under it', async () => {
    const quick = voxoz(keys, config, undefined, 3000);
    const { id } = await ask(quick, ANN, 'rollback hello');
    // The relay posts the request's message 400 ms after the approve arrives.
    setTimeout(() => void quick.redis.hset(keys.job(id), JOB_FIELD.parent, 'm-7'), 400);
    const began = Date.now();
    await quick.approvals.decide(id, BEN, 'approved');
    expect(Date.now() - began).toBeGreaterThanOrEqual(350);
    const record = await createApprovalStore(quick.redis, keys).get(id);
    expect((await quick.queue.getJob(record!.request.job.id))?.data.thread.meta?.replyTo).toBe('m-7');
    // Never posted (no relay): after the wait the job goes on with a parent of its own, replying to nothing.
    const late = voxoz(keys, config, undefined, 300);
    const { id: unposted } = await ask(late, ANN, 'rollback hello');
    await late.approvals.decide(unposted, BEN, 'approved');
    const job = await late.queue.getJob((await createApprovalStore(late.redis, keys).get(unposted))!.request.job.id);
    expect(job?.data.thread.meta).toEqual({ thread: expect.any(String) });
  });

  it('10 concurrent clicks by two approvers in two voxoz processes: exactly one decision and one job', async () => {
    const b = voxoz(keys);
    const { id } = await ask(a, ANN, 'rollback hello v1');
    const before = (await a.queue.getJobCounts()).waiting ?? 0;
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).approvals.decide(id, i % 3 ? BEN : CAT, 'approved')),
    );
    expect(replies.filter((r) => r.status === 'info')).toHaveLength(1);
    expect(replies.filter((r) => r.title.endsWith('already decided'))).toHaveLength(9);
    expect(((await a.queue.getJobCounts()).waiting ?? 0) - before).toBe(1);
    expect((await messageEvents(a, keys, id)).filter((e) => e.type === 'done')).toHaveLength(1);
  });

  it('a reject carries its reason; a click after it is refused and says who rejected and why', async () => {
    const { id } = await ask(a, ANN, 'rollback hello');
    expect((await a.approvals.decide(id, CAT, 'rejected', 'v1 has the login bug')).status).toBe('info');
    expect((await messageEvents(a, keys, id)).at(-1)).toMatchObject({
      outcome: 'cancelled',
      result: {
        title: expect.stringContaining('rejected by cat'),
        text: expect.stringContaining(': v1 has the login bug. Nothing was done.'),
      },
    });
    const late = await a.approvals.decide(id, BEN, 'approved');
    expect(late.status).toBe('error');
    expect(late.text).toContain('Rejected by cat');
  });

  it('expires: a click after the expiry is refused, and the sweep closes requests nobody decided', async () => {
    const first = await ask(a, ANN, 'rollback hello');
    const second = await ask(a, ANN, 'rollback hello');
    clock = new Date(clock.getTime() + 15 * 60_000);
    const late = await a.approvals.decide(first.id, BEN, 'approved');
    expect(late.title).toBe('approve: expired');
    await a.approvals.sweep();
    for (const { id } of [first, second])
      expect((await messageEvents(a, keys, id)).filter((e) => e.type === 'done')).toEqual([
        expect.objectContaining({ result: expect.objectContaining({ title: 'rollback hello/production from v2 to v1: expired' }) }),
      ]);
  });

  it('is void when another release went live before the decision', async () => {
    const { id } = await ask(a, ANN, 'rollback hello');
    await live(a, 3);
    const click = await a.approvals.decide(id, BEN, 'approved');
    expect(click.title).toBe('approve: void');
    expect(click.text).toContain('v3 of hello (production) went live after it was asked for (it was asked against v2)');
    expect((await messageEvents(a, keys, id)).at(-1)).toMatchObject({ result: { title: expect.stringContaining(': void') } });
  });
});
