import { afterEach, describe, expect, it } from 'vitest';
import { acquireAppLock, releaseAppLock, renewAppLock } from '../../src/jobs/app-lock.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { scriptedDriver, untilAborted } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';

let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lockKeys = (s: Spine) => ({ lock: s.keys.appLock('hello', 'production'), fence: s.keys.appFence('hello', 'production') });

describe('the app+env deploy lock: renewed while its job lives, fenced by a token per holder', () => {
  it('is renewed past its TTL while the job runs, so a second deploy keeps waiting; the job gets the fencing token', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const order: string[] = [];
    const tokens: Array<number | undefined> = [];
    const driver = scriptedDriver({
      build: async (io, call) => {
        order.push(`start ${call}`);
        tokens.push(io.fence?.token);
        if (call === 1) await gate;
        order.push(`end ${call}`);
      },
    });
    spine = await startSpine({ docker: driver });
    await spine.startWorkers(2, { lockTtlMs: 1000 });
    spine.startRelay();
    const first = await spine.say('alice', 'deploy hello');
    await waitUntil('first build', async () => order.length > 0, 10_000);
    const second = await spine.say('bob', 'deploy hello');
    await waitUntil(
      'second to wait for the lock',
      async () => (await spine!.redis.hget(spine!.keys.job(second.job!), 'waited')) === first.job,
      10_000,
    );
    // Three TTLs: the lock never lapses (checked every 100 ms) and the second never starts.
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      expect(await spine.redis.get(lockKeys(spine).lock)).toBe(`${tokens[0]}:${first.job}`);
      await sleep(100);
    }
    expect(order).toEqual(['start 1']);
    release();
    await spine.waitForEnd(first.thread);
    await spine.waitForEnd(second.thread);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(tokens[1]).toBe(tokens[0]! + 1);
    // Renewal stopped with the jobs: the lock is gone and stays gone.
    await sleep(1500);
    expect(await spine.redis.get(lockKeys(spine).lock)).toBeNull();
  });

  it('a lock lost to a newer holder stops the job at its next step with a clear message, and the newer lock stays', async () => {
    const driver = scriptedDriver({ deploy: untilAborted });
    spine = await startSpine({ docker: driver });
    await spine.startWorkers(2, { lockTtlMs: 600 });
    spine.startRelay();
    const { thread, job } = await spine.say('alice', 'deploy hello');
    await spine.waitForStep(job!, 'deploy');
    // What a pause longer than the TTL allows: the lock runs out and another job takes it.
    await spine.redis.del(lockKeys(spine).lock);
    const usurper = await acquireAppLock(spine.redis, lockKeys(spine), 'usurper', 60_000);
    expect(usurper.held).toBe(true);
    const ended = await spine.waitForEnd(thread);
    expect(ended.outcome).toBe('failed');
    expect(ended.messages[1]!.reply).toMatchObject({
      title: 'deploy hello: failed',
      text: 'voxoz lost the deploy lock of hello (production): another job took it over after this one had paused for longer than the lock lives. This job stopped at its next step so that two jobs never change hello at once; run it again if it is still wanted.',
    });
    expect(await spine.redis.get(lockKeys(spine).lock)).toBe(usurper.held ? usurper.value : '');
  });

  it('hands every holder a higher token; a new attempt of the same job fences the earlier one out', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    const keys = lockKeys(spine);
    const a = await acquireAppLock(spine.redis, keys, 'job-a', 60_000);
    expect(await acquireAppLock(spine.redis, keys, 'job-b', 60_000)).toEqual({ held: false, holder: 'job-a' });
    if (!a.held) throw new Error('job-a should hold the lock');
    await releaseAppLock(spine.redis, keys, a.value);
    const b1 = await acquireAppLock(spine.redis, keys, 'job-b', 60_000);
    const b2 = await acquireAppLock(spine.redis, keys, 'job-b', 60_000); // BullMQ ran job-b again (its first attempt stalled)
    if (!b1.held || !b2.held) throw new Error('job-b should hold the lock');
    expect([b1.token, b2.token]).toEqual([a.token + 1, a.token + 2]);
    expect(await renewAppLock(spine.redis, keys, b1.value, 60_000)).toBe(false);
    expect(await renewAppLock(spine.redis, keys, b2.value, 60_000)).toBe(true);
    // A lock that ran out with nobody newer is taken back by its holder's next renewal.
    const c = await acquireAppLock(spine.redis, { lock: `${keys.lock}:c`, fence: `${keys.fence}:c` }, 'job-c', 50);
    if (!c.held) throw new Error('job-c should hold the lock');
    await waitUntil('the short lock to run out', async () => (await spine!.redis.exists(`${keys.lock}:c`)) === 0, 5000, 20);
    expect(await renewAppLock(spine.redis, { lock: `${keys.lock}:c`, fence: `${keys.fence}:c` }, c.value, 60_000)).toBe(true);
    expect(await spine.redis.get(`${keys.lock}:c`)).toBe(c.value);
  });
});
