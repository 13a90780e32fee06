import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import type { Interaction } from '../../src/core/types.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { createDispatcher } from '../../src/dispatch/dispatcher.ts';
import { requesterPolicy } from '../../src/dispatch/policy.ts';
import { claimDelivery } from '../../src/jobs/claim-delivery.ts';
import { createJobQueue, type JobQueue } from '../../src/jobs/job-queue.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { dispatchStores } from '../support/dispatch-stores.ts';

/**
 * Button clicks are deduplicated on the click's own id, and only once acting succeeded
 * (issue 7, item 15): real Redis, the real queue and dispatcher. The one double wraps our own
 * JobQueue port to make `cancel` fail or stall the way a Redis fault would.
 */
describe('click claims', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });

  function setup(cancel: (real: JobQueue['cancel'], ...args: Parameters<JobQueue['cancel']>) => ReturnType<JobQueue['cancel']>) {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const real = createJobQueue({ redisUrl: inject('redisUrl'), keys, queueName: 'jobs', attempts: 1 });
    closers.push(() => real.close());
    const queue: JobQueue = { ...real, cancel: (id, by) => cancel(real.cancel, id, by) };
    const config = validateConfig({ apps: [{ name: 'hello', source: { path: '/nonexistent' }, port: 18080 }] }, '/test/voxoz.yml');
    const stores = dispatchStores(inject('redisUrl'), keys);
    closers.push(async () => stores.closeStores());
    const dispatcher = createDispatcher({
      registry: createRegistry(commands),
      config: () => config,
      queue,
      ...stores,
      policy: requesterPolicy,
      log: silentLogger,
    });
    const alice = { id: 'local:alice', name: 'alice' };
    const queued = async () => {
      const outcome = await dispatcher.handle({
        platform: 'local',
        user: alice,
        conversation: 'local',
        text: 'deploy hello',
        receivedAt: new Date(),
      });
      if (outcome.type !== 'queued') throw new Error(`not queued: ${outcome.reply.title}`);
      return outcome.jobId;
    };
    const click = (job: string, deliveryId: string): Interaction => ({
      platform: 'slack',
      user: alice,
      conversation: 'C1',
      action: 'cancel',
      value: job,
      deliveryId,
    });
    return { keys, dispatcher, queued, click };
  }

  it('a click whose action failed can be tried again, and then acts (it was "already handled" for 24 h)', async () => {
    let failures = 1;
    const { dispatcher, queued, click } = setup(async (real, id, by) => {
      if (failures-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      return real(id, by);
    });
    const job = await queued();
    const first = await dispatcher.interact(click(job, '1700000000.000100/cancel/T1/U1'));
    expect(first).toMatchObject({ status: 'error', title: 'cancel: internal error' });
    // The same delivery again (Slack resending it, or the retry after the error).
    const retry = await dispatcher.interact(click(job, '1700000000.000100/cancel/T1/U1'));
    expect(retry.text).toMatch(/removed from the queue/);
    const redelivery = await dispatcher.interact(click(job, '1700000000.000100/cancel/T1/U1'));
    expect(redelivery.title).toBe('already handled');
    // A second click of the same button is a click of its own: it acts (nothing left to cancel).
    const second = await dispatcher.interact(click(job, '1700000042.000300/cancel/T1/U1'));
    expect(second.title).not.toBe('already handled');
    expect(second.text).toMatch(/no longer in the queue|already finished/);
  });

  it('two concurrent deliveries of one click act once; the other is told it is in progress', async () => {
    let cancels = 0;
    const { dispatcher, queued, click } = setup(async (real, id, by) => {
      cancels += 1;
      await new Promise((r) => setTimeout(r, 300));
      return real(id, by);
    });
    const job = await queued();
    const answers = await Promise.all([1, 2, 3].map(() => dispatcher.interact(click(job, 'ts-1/cancel/T1/U1'))));
    expect(cancels).toBe(1);
    expect(answers.map((a) => a.title).sort()).toEqual(['deploy hello: cancelling', 'in progress', 'in progress']);
  });

  it('claims: in flight for a short while, released only by its holder, remembered for a day once done', async () => {
    const redis = new Redis(inject('redisUrl'));
    closers.push(() => redis.quit());
    const key = `test-${randomUUID()}:delivery:slack:x`;
    const a = await claimDelivery(redis, key, { inFlightMs: 400 });
    expect(a.state).toBe('claimed');
    expect((await claimDelivery(redis, key)).state).toBe('in-flight');
    const pttl = await redis.pttl(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(400);
    // The holder died: the claim lapses by itself, and a later holder's claim is not released by the first.
    await new Promise((r) => setTimeout(r, 500));
    const b = await claimDelivery(redis, key);
    expect(b.state).toBe('claimed');
    if (a.state === 'claimed') await a.settle(false);
    expect((await claimDelivery(redis, key)).state).toBe('in-flight');
    if (b.state === 'claimed') await b.settle(false);
    const c = await claimDelivery(redis, key);
    expect(c.state).toBe('claimed');
    if (c.state === 'claimed') await c.settle(true);
    expect((await claimDelivery(redis, key)).state).toBe('done');
    expect(await redis.ttl(key)).toBeGreaterThan(23 * 3600);
    await redis.del(key);
  });
});
