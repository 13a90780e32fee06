import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobData } from '../../src/core/types.ts';
import { utcSecond } from '../../src/dispatch/utc-minute.ts';
import { createSystemJobs } from '../../src/store/record-system-job.ts';
import { UserError } from '../../src/core/user-error.ts';
import { allow, needsApproval } from '../../src/dispatch/decision.ts';
import type { Policy } from '../../src/dispatch/policy.ts';
import { requesterPolicy } from '../../src/dispatch/policy.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { scriptedDriver, untilAborted } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';

/**
 * The read-only verbs, cancel and locks through the real dispatcher, queue, workers and relay on
 * real Redis (the driver is a double of our Driver port). Each asserts what the user reads.
 */
let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});

const text = (reply: { text?: string; code?: string[] } | undefined) => [reply?.text ?? '', ...(reply?.code ?? [])].join('\n');

describe('releases, jobs, cancel, lock: answered in the bot process against the stores', () => {
  it('releases lists number, image, commit, who, when and outcome, newest first, and marks the live one', async () => {
    let fail = false;
    spine = await startSpine({
      docker: scriptedDriver({
        deploy: async () => {
          if (fail) throw new UserError('unhealthy', 'hello-v2-0 did not answer its health check');
        },
      }),
    });
    expect(text((await spine.say('alice', 'releases hello')).reply)).toContain('Nothing was deployed yet; "deploy hello" makes v1.');
    await spine.startWorkers();
    spine.startRelay();
    await spine.waitForEnd((await spine.say('alice', 'deploy hello')).thread);
    fail = true;
    expect((await spine.waitForEnd((await spine.say('bob', 'deploy hello')).thread)).outcome).toBe('failed');
    const { reply } = await spine.say('carol', 'history hello');
    expect(reply?.title).toBe('hello (production): 2 releases');
    expect(reply?.text).toBe('* marks the live release: v1.');
    const [header, v2, v1] = reply!.code![0]!.split('\n');
    expect(header).toMatch(/^ {2}release +outcome +image +commit +by +when$/);
    expect(v2).toMatch(/^ {2}v2 +failed +voxoz-hello:v2 \(abababababab\) +- +local:bob +\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(v1).toMatch(/^\* v1 +live +voxoz-hello:v1 \(abababababab\) +- +local:alice /);
    const wrongEnv = (await spine.say('alice', 'releases hello --env staging')).reply;
    expect(wrongEnv).toMatchObject({ status: 'error', title: 'releases: unknown environment' });
  });

  it('jobs shows the running job and the queued ones with their position and who asked; cancel <job> follows the button rule', async () => {
    const driver = scriptedDriver({ build: (io) => untilAborted(io) });
    spine = await startSpine(
      { docker: driver },
      {
        apps: [
          { name: 'hello', source: { path: '/nonexistent' }, port: 18080 },
          { name: 'web', source: { path: '/nonexistent' }, port: 18090 },
        ],
        worker: { concurrency: 1 },
      },
    );
    await spine.startWorkers(1);
    spine.startRelay();
    const first = await spine.say('alice', 'deploy hello');
    await waitUntil('the first job to run', async () => driver.builds === 1, 10_000, 25);
    // A job scheduled for later (as a burst's scale-back is) is listed last, with its time, and takes no position.
    const connection = new Redis(spine.redis.options);
    const queue = new Queue<JobData>('jobs', { connection, prefix: spine.keys.bull });
    const systemJobs = createSystemJobs({ redis: spine.redis, queue, keys: spine.keys, config: () => spine!.config });
    // In a thread of its own: let run early (below), it keeps its thread open until it ends.
    const home = await spine.say('carol', 'releases web');
    const later = await systemJobs.record({
      kind: 'scale',
      why: 'burst-expiry',
      command: 'scale web 1',
      app: 'web',
      args: { app: 'web', replicas: 1 },
      thread: { platform: 'local', conversation: 'local', meta: { thread: home.thread } },
      delayMs: 600_000,
    });
    const second = await spine.say('bob', 'deploy web');
    const third = await spine.say('alice', 'deploy hello');
    const all = (await spine.say('carol', 'jobs')).reply;
    expect(all?.title).toBe('jobs (all apps): 1 running, 2 queued, 1 scheduled');
    expect(all?.text).toBe(
      'Position #1 starts next. "cancel <job>" cancels one of yours. A scheduled scale-back ends a burst at its time; "scale <app> <n>" ends the burst now.',
    );
    const rows = all!.code![0]!.split('\n');
    expect(rows[0]).toMatch(/^job +state +command +env +asked by +since$/);
    expect(rows[1]).toMatch(new RegExp(`^${first.job} +running +deploy hello +production +alice `));
    expect(rows[2]).toMatch(new RegExp(`^${second.job} +#1 queued +deploy web +production +bob `));
    expect(rows[3]).toMatch(new RegExp(`^${third.job} +#2 queued +deploy hello +production +alice `));
    expect(rows[4]).toMatch(
      new RegExp(`^${later.id} +scheduled for ${utcSecond(later.runAt!)} +scale web 1 +production +voxoz \\(burst-expiry\\) `),
    );
    expect(Date.parse(later.runAt!) - Date.parse(later.requestedAt)).toBe(600_000);
    const onlyHello = (await spine.say('carol', 'jobs hello')).reply!.code![0]!;
    expect(onlyHello).not.toContain(second.job!);
    expect(onlyHello).toMatch(/#2 queued/); // the position counts every job ahead, of any app
    // Let run now (as a scale that ends the burst lets its scale-back): it is queued, in its place, no longer scheduled.
    expect(await systemJobs.runNow(later.id, later, 'a test')).toBe(true);
    expect(await systemJobs.runNow(later.id, later, 'a test')).toBe(false);
    await Promise.all([systemJobs.close(), queue.close()]);
    await connection.quit();
    const promoted = (await spine.say('carol', 'jobs')).reply;
    expect(promoted?.title).toBe('jobs (all apps): 1 running, 3 queued');
    expect(promoted!.code![0]).toMatch(new RegExp(`^${later.id} +#\\d queued +scale web 1 +production `, 'm'));

    // A stranger is refused with the button's rule; the requester cancels a queued and a running job.
    expect((await spine.say('bob', `cancel ${third.job}`)).reply).toMatchObject({
      status: 'error',
      title: 'cancel: not allowed',
      text: `only alice, who started "deploy hello", may cancel it`,
    });
    expect((await spine.say('alice', `cancel ${third.job}`)).reply).toMatchObject({
      title: 'deploy hello: cancelling',
      text: `Job ${third.job} removed from the queue.`,
    });
    expect((await spine.say('alice', `cancel ${first.job}`)).reply?.text).toBe(
      `Job ${first.job} stopping; what it started is being removed (unless it has already made its change, which its thread will say).`,
    );
    expect((await spine.waitForEnd(first.thread)).outcome).toBe('cancelled');
    expect((await spine.waitForEnd(third.thread)).outcome).toBe('cancelled');
    expect((await spine.say('alice', 'cancel no-such-job')).reply).toMatchObject({ title: 'cancel: unknown job', status: 'error' });
    expect((await spine.say('alice', 'cancel "a b"')).reply?.text).toMatch(/<job>: "a b" is not a job id/);
    // The button and the command are one action: pressing Cancel on the finished job says the same.
    const click = await spine.dispatcher.interact({
      platform: 'local',
      user: { id: 'local:alice', name: 'alice' },
      conversation: 'local',
      action: 'cancel',
      value: first.job!,
      deliveryId: 'click-1',
    });
    expect(click.text).toBe(`Job ${first.job} already finished; nothing to cancel.`);
    expect((await spine.say('alice', `cancel ${first.job}`)).reply?.text).toBe(click.text);
    await spine.say('bob', `cancel ${second.job}`);
  });

  it('lock refuses deploys at dispatch with who, since when and why; a job queued before the lock is refused when it starts', async () => {
    let release: () => void = () => undefined;
    const driver = scriptedDriver({
      build: (_io, call) => (call === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()),
    });
    spine = await startSpine(
      { docker: driver },
      {
        apps: [
          { name: 'hello', source: { path: '/nonexistent' }, port: 18080 },
          { name: 'web', source: { path: '/nonexistent' }, port: 18090 },
        ],
      },
    );
    await spine.startWorkers(2);
    spine.startRelay();
    // web's job runs (holding web's job lock); a second web deploy waits behind it.
    const running = await spine.say('alice', 'deploy web');
    await waitUntil('the web deploy to build', async () => driver.builds === 1, 10_000, 25);
    const waiting = await spine.say('alice', 'deploy web');
    await waitUntil(
      '"jobs" to show the second deploy waiting behind the first',
      async () => text((await spine!.say('carol', 'jobs web')).reply).includes(`#1 waiting behind ${running.job}`),
      10_000,
      50,
    );

    const locked = (await spine.say('bob', 'lock web "release freeze" until Monday')).reply;
    expect(locked).toMatchObject({ title: 'web (production) locked by bob', status: 'info' });
    expect(locked?.text).toMatch(
      /^Reason: release freeze until Monday\. Deploys of web \(production\) are refused until someone runs "unlock web"/,
    );
    expect(locked?.ephemeral).toBeUndefined(); // said in the channel, not only to bob

    const refused = (await spine.say('alice', 'deploy web')).reply;
    expect(refused?.status).toBe('error');
    expect(refused?.text).toMatch(
      /^web \(production\) is locked by bob since \d{4}-\d\d-\d\d \d\d:\d\d UTC: release freeze until Monday\. Nothing was changed; "unlock web" lifts it\.$/,
    );
    expect((await spine.say('alice', 'status web')).job).toBeDefined(); // reading is not refused
    expect((await spine.say('alice', 'deploy hello')).job).toBeDefined(); // other apps are not locked

    release();
    expect((await spine.waitForEnd(running.thread)).outcome).toBe('succeeded'); // it had started before the lock
    const late = await spine.waitForEnd(waiting.thread);
    expect(late.outcome).toBe('failed');
    expect(late.messages.find((m) => m.kind === 'parent')?.reply?.text).toMatch(
      /web \(production\) is locked by bob since .*: release freeze until Monday/,
    );
    expect(driver.builds).toBe(2); // hello's deploy built; the refused web job never did
    expect((await spine.releases.list('web', 'production')).map((r) => r.number)).toEqual([1]);

    const again = (await spine.say('carol', 'lock web')).reply;
    expect(again).toMatchObject({ title: 'lock web: already locked', status: 'error' });
    const status = (await spine.say('carol', 'lock status')).reply;
    expect(status?.title).toBe('locks (all apps): 1 held');
    expect(status?.text).toMatch(/^web \(production\): locked by bob since .* UTC: release freeze until Monday$/);
    expect((await spine.say('carol', 'lock')).reply?.text).toBe(status?.text);
    expect((await spine.say('carol', 'lock status hello')).reply?.title).toBe('locks (hello): none');

    const unlocked = (await spine.say('carol', 'unlock web')).reply;
    expect(unlocked?.title).toBe('web (production) unlocked by carol');
    expect(unlocked?.text).toMatch(/^carol removed bob's lock \(since .* UTC: release freeze until Monday\); this is recorded\./);
    const log = (await spine.redis.lrange(spine.keys.userLockLog, 0, -1)).map((e) => JSON.parse(e));
    expect(log).toMatchObject([
      { action: 'unlock', app: 'web', env: 'production', by: { id: 'local:carol' }, lock: { by: { id: 'local:bob' } } },
      { action: 'lock', app: 'web', by: { id: 'local:bob' }, reason: 'release freeze until Monday' },
    ]);
    expect((await spine.say('carol', 'unlock web')).reply?.title).toBe('unlock web: not locked');
    const after = await spine.say('alice', 'deploy web');
    expect((await spine.waitForEnd(after.thread)).outcome).toBe('succeeded');
  });

  it('without approvals wired in, a policy decision of needs-approval or deny is answered, and nothing is queued or changed', async () => {
    const decisions: Policy = {
      authorize: async (_user, command) =>
        command.name === 'deploy'
          ? needsApproval('production-deploys')
          : command.name === 'lock'
            ? { type: 'deny', reason: 'only ops may lock' }
            : allow,
      authorizeAction: requesterPolicy.authorizeAction,
    };
    spine = await startSpine({ docker: scriptedDriver() }, undefined, { policy: decisions });
    const asked = await spine.say('alice', 'deploy hello');
    expect(asked.job).toBeUndefined();
    expect(asked.reply).toMatchObject({ status: 'waiting-approval', title: 'deploy: needs approval' });
    expect(asked.reply?.text).toMatch(
      /"production-deploys" rule needs someone to approve this, and this voxoz takes no approvals; nothing was done/,
    );
    expect((await spine.say('alice', 'lock hello')).reply).toMatchObject({
      status: 'error',
      title: 'lock: not allowed',
      text: 'only ops may lock',
    });
    expect(await spine.locks.list()).toEqual([]);
    expect(await spine.queue.list({})).toEqual([]);
  });
});
