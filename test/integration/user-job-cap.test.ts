import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/services/wait-until.ts';
import { scriptedDriver } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';

let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});

const CAP_TEXT = 'you have 20 jobs queued; wait for some to finish or cancel one';

describe('a user may have at most worker.maxQueuedPerUser (default 20) unfinished jobs', () => {
  it('refuses the 21st command with a specific error and queues nothing; other users are not affected', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    spine.startRelay();
    // All at once: the cap holds under concurrency (one atomic script per enqueue).
    const said = await Promise.all(Array.from({ length: 25 }, () => spine!.say('alice', 'status')));
    const queued = said.filter((s) => s.job);
    expect(queued).toHaveLength(20);
    for (const refused of said.filter((s) => !s.job)) {
      expect(refused.reply).toMatchObject({ title: 'status: too many queued', status: 'error', text: CAP_TEXT });
      expect((await spine.chat.thread(refused.thread))!.messages.map((m) => m.kind)).toEqual(['command', 'answer']);
    }
    expect(await spine.redis.scard(spine.keys.relayActive)).toBe(20);
    expect(await spine.redis.zcard(spine.keys.userJobs('local:alice'))).toBe(20);
    expect((await spine.say('bob', 'status')).job).toBeDefined();
    // Cancelling one makes room for exactly one more.
    await spine.dispatcher.interact({
      platform: 'local',
      user: { id: 'local:alice', name: 'alice' },
      conversation: 'local',
      action: 'cancel',
      value: queued[0]!.job!,
      deliveryId: 'cap-c1',
    });
    expect((await spine.say('alice', 'status')).job).toBeDefined();
    expect((await spine.say('alice', 'status')).reply?.text).toBe(CAP_TEXT);
  });

  it('jobs that finish no longer count', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    spine.startRelay();
    const first = await Promise.all(Array.from({ length: 20 }, () => spine!.say('alice', 'status')));
    expect(first.every((s) => s.job)).toBe(true);
    expect((await spine.say('alice', 'status')).reply?.text).toBe(CAP_TEXT);
    await spine.startWorkers(4);
    for (const s of first) expect((await spine.waitForEnd(s.thread, 30_000)).outcome).toBe('succeeded');
    await waitUntil(
      'alice to have no unfinished jobs',
      async () => (await spine!.redis.zcard(spine!.keys.userJobs('local:alice'))) === 0,
      10_000,
    );
    expect((await spine.say('alice', 'status')).job).toBeDefined();
  });

  it('is read from voxoz.yml', async () => {
    spine = await startSpine(
      { docker: scriptedDriver() },
      { apps: [{ name: 'hello', source: { path: '/x' }, port: 18080 }], worker: { maxQueuedPerUser: 2 } },
    );
    expect((await spine.say('alice', 'status')).job).toBeDefined();
    expect((await spine.say('alice', 'deploy hello')).job).toBeDefined();
    expect((await spine.say('alice', 'status')).reply).toMatchObject({
      status: 'error',
      text: 'you have 2 jobs queued; wait for some to finish or cancel one',
    });
  });
});
