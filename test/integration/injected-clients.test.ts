import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { createDispatcher } from '../../src/dispatch/dispatcher.ts';
import { requesterPolicy } from '../../src/dispatch/policy.ts';
import { createJobQueue, type JobQueue } from '../../src/jobs/job-queue.ts';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { startRelay, type Relay } from '../../src/relay/relay.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { createLockStore } from '../../src/store/lock-store.ts';
import { createReleaseStore } from '../../src/store/release-store.ts';
import { redisConnector, type RedisConnector, type RedisRole } from '../../src/store/redis-connector.ts';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
});

describe('clients and the clock come from the composition root', () => {
  it('the queue, the relay and the dispatcher use only the connector and the clock they are given', async () => {
    const redisUrl = inject('redisUrl');
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const made: Array<[RedisRole, string]> = [];
    const real = redisConnector(redisUrl);
    const connect: RedisConnector = (role, name) => {
      made.push([role, name]);
      return real(role, `${keys.bull}-${name}`);
    };
    // A clock a test drives: every timestamp written below must come from it.
    let clock = new Date('2031-01-02T03:04:05.000Z');
    const now = () => clock;
    const queue: JobQueue = createJobQueue({ connect, now, keys, queueName: 'jobs', attempts: 1 });
    closers.push(() => queue.close());
    const relay: Relay = startRelay({ connect, keys, surfaces: [], log: silentLogger, tickMs: 50 });
    closers.push(() => relay.close());
    const redis = new Redis(redisUrl);
    closers.push(() => redis.quit());
    const config = validateConfig({ apps: [{ name: 'hello', source: { path: '/nonexistent' }, port: 18080 }] }, '/test/voxoz.yml');
    const dispatcher = createDispatcher({
      registry: createRegistry(commands),
      config: () => config,
      queue,
      releases: createReleaseStore(redis, keys),
      locks: createLockStore(redis, keys),
      policy: requesterPolicy,
      log: silentLogger,
      now,
    });
    expect(dispatcher.now()).toBe(clock);
    const outcome = await dispatcher.handle({
      platform: 'local',
      user: { id: 'local:alice', name: 'alice' },
      conversation: 'local',
      text: 'deploy hello',
      receivedAt: dispatcher.now(),
      meta: { thread: 't1' },
    });
    expect(outcome.type).toBe('queued');
    const jobId = outcome.type === 'queued' ? outcome.jobId : '';
    expect((await queue.get(jobId))?.requestedAt).toBe('2031-01-02T03:04:05.000Z');
    // No worker runs: the job is still queued, and its cancel is stamped by the injected clock.
    clock = new Date('2031-01-02T03:09:00.000Z');
    expect(await queue.cancel(jobId, { id: 'local:alice', name: 'alice' })).toBe('removed');
    const done = (await readWholeJobStream(redis, keys, jobId)).map((e) => e.event).find((e) => e.type === 'done');
    expect(done?.at).toBe('2031-01-02T03:09:00.000Z');
    // Every client came from the connector, each for what it is used for; the server sees them by name.
    expect(made).toEqual(
      expect.arrayContaining([
        ['fail-fast', 'voxoz-enqueue'],
        ['fail-fast', 'voxoz-queue'],
        ['commands', 'voxoz-relay'],
      ]),
    );
    const names = ((await redis.client('LIST')) as string)
      .split('\n')
      .map((line) => /name=(\S*)/.exec(line)?.[1] ?? '')
      .filter((n) => n.startsWith(keys.bull));
    expect(names).toEqual(expect.arrayContaining([`${keys.bull}-voxoz-enqueue`, `${keys.bull}-voxoz-relay`]));
  });
});
