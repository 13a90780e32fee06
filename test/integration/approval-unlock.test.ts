import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { createAccessPolicy } from '../../src/access/access-policy.ts';
import { createApprovalStore } from '../../src/approvals/approval-store.ts';
import { createApprovals } from '../../src/approvals/approvals.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import type { JobData } from '../../src/core/types.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { createDispatcher, type Dispatcher } from '../../src/dispatch/dispatcher.ts';
import { createJobQueue } from '../../src/jobs/job-queue.ts';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { createLockStore } from '../../src/store/lock-store.ts';
import { createSystemJobs } from '../../src/store/record-system-job.ts';
import { createReleaseStore } from '../../src/store/release-store.ts';

// The whole bot-side path through the real dispatcher: a command an approval rule covers that
// answers in the bot process (unlocking someone else's lock) runs, once approved, as its requester;
// a locked app's deploy is refused before an approver is asked for it.
const config = validateConfig(
  {
    people: { ann: { local: 'ann' }, ben: { local: 'ben' }, cat: { local: 'cat' } },
    access: {
      grants: [
        { to: ['ann', 'ben'], role: 'deployer' },
        { to: ['cat'], role: 'approver' },
      ],
    },
    approvals: { rules: [{ verb: 'unlock', othersLock: true }, { verb: 'deploy' }] },
    apps: [{ name: 'hello', source: { path: '.' }, port: 8080 }],
  },
  '/tmp/voxoz.yml',
);
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

function bot(): { dispatcher: Dispatcher; redis: Redis; keys: ReturnType<typeof redisKeys> } {
  const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
  const redis = new Redis(inject('redisUrl'));
  const bull = new Queue<JobData>('jobs', { connection: redis.duplicate(), prefix: keys.bull });
  const queue = createJobQueue({ redisUrl: inject('redisUrl'), keys, queueName: 'jobs', attempts: 1 });
  closers.push(
    () => redis.quit(),
    () => bull.close(),
    () => queue.close(),
  );
  const locks = createLockStore(redis, keys);
  const releases = createReleaseStore(redis, keys);
  const policy = createAccessPolicy({ config: () => config, locks });
  const approvals = createApprovals({
    redis,
    keys,
    store: createApprovalStore(redis, keys),
    config: () => config,
    releases,
    policy,
    jobs: createSystemJobs({ redis, queue: bull, keys, config: () => config }),
    now: () => new Date(),
    log: silentLogger,
    answerAs: (r) => dispatcher.runApproved(r.text, r.job.requestedBy, r.job.thread),
  });
  const dispatcher = createDispatcher({
    registry: createRegistry(commands),
    config: () => config,
    queue,
    releases,
    locks,
    policy,
    approvals,
    log: silentLogger,
  });
  return { dispatcher, redis, keys };
}

const say = (d: Dispatcher, name: string, text: string) =>
  d.handle({
    platform: 'local',
    user: { id: `local:${name}`, name },
    conversation: 'ops',
    text,
    receivedAt: new Date(),
    meta: { thread: 't-1' },
  });

describe('approvals through the dispatcher', () => {
  it("unlocking someone else's lock waits for an approver, then runs as the requester and says so in the message", async () => {
    const { dispatcher, redis, keys } = bot();
    await say(dispatcher, 'ann', 'lock hello release freeze');
    const asked = await say(dispatcher, 'ben', 'unlock hello');
    expect(asked.reply).toMatchObject({ status: 'waiting-approval', title: 'unlock hello (hello/production): waiting for approval' });
    expect((await say(dispatcher, 'ben', 'lock status')).reply.text).toContain('locked by ann');
    const id = /\((apv-[^)]+)\)/.exec(asked.reply.text ?? '')?.[1] ?? '';
    const click = (name: string, action: string) =>
      dispatcher.interact({
        platform: 'local',
        user: { id: `local:${name}`, name },
        conversation: 'ops',
        action,
        value: id,
        deliveryId: randomUUID(),
      });
    expect((await click('ben', 'approve')).text).toContain('someone else with approver on hello/production must approve it');
    expect((await click('cat', 'approve')).text).toContain('Approved and done: hello (production) unlocked by ben');
    expect((await say(dispatcher, 'ann', 'lock status')).reply.text).toBe('Nothing is locked.');
    const done = (await readWholeJobStream(redis, keys, id)).map((e) => e.event).at(-1);
    expect(done).toMatchObject({ type: 'done', outcome: 'succeeded', result: { text: expect.stringContaining("ben removed ann's lock") } });
    // Her own lock she lifts without asking anyone.
    await say(dispatcher, 'ann', 'lock hello');
    expect((await say(dispatcher, 'ann', 'unlock hello')).reply.title).toBe('hello (production) unlocked by ann');
  });

  it('a deploy an approval rule covers is refused at once while the app is locked: no approver is asked for it', async () => {
    const { dispatcher } = bot();
    await say(dispatcher, 'ann', 'lock hello release freeze');
    const refused = await say(dispatcher, 'ben', 'deploy hello');
    expect(refused.type).toBe('answer');
    expect(refused.reply).toMatchObject({ status: 'error', title: 'deploy hello: locked' });
    expect(refused.reply.text).toContain('locked by ann');
    await say(dispatcher, 'ann', 'unlock hello');
    expect((await say(dispatcher, 'ben', 'deploy hello')).reply.status).toBe('waiting-approval');
  });

  it('cancel <approval> is a Reject: its requester withdraws it, and no approver can approve it after', async () => {
    const { dispatcher } = bot();
    await say(dispatcher, 'ann', 'lock hello');
    const asked = await say(dispatcher, 'ben', 'unlock hello');
    const id = /\((apv-[^)]+)\)/.exec(asked.reply.text ?? '')?.[1] ?? '';
    expect((await say(dispatcher, 'ben', `cancel ${id}`)).reply).toMatchObject({
      title: 'unlock hello (hello/production): rejected',
      text: 'Rejected; nothing was done.',
    });
    expect((await say(dispatcher, 'cat', `approve ${id}`)).reply.title).toBe('approve: already decided');
    expect((await say(dispatcher, 'ann', 'lock status')).reply.text).toContain('locked by ann');
  });
});
