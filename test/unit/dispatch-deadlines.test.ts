import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import type { JobData } from '../../src/core/types.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { createDispatcher } from '../../src/dispatch/dispatcher.ts';
import { requesterPolicy } from '../../src/dispatch/policy.ts';
import type { JobQueue } from '../../src/jobs/job-queue.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import type { LockStore } from '../../src/store/lock-store.ts';

/**
 * The dispatcher with doubles of our own ports (queue, lock store) that stall or fail the way a
 * Redis that is away would: the user still hears something within the store deadline, and a
 * deploy is never queued unchecked. The real stores are exercised in chat-verbs.test.ts.
 */
const config = validateConfig({ apps: [{ name: 'hello', source: { path: '/nonexistent' }, port: 18080 }] }, '/test/voxoz.yml');
const never = () => new Promise<never>(() => undefined);

function setup(locks: Partial<LockStore>) {
  const queued: JobData[] = [];
  const queue = {
    enqueue: async (data: JobData) => {
      queued.push(data);
      return 'queued' as const;
    },
    list: async () => [],
  } as unknown as JobQueue;
  const dispatcher = createDispatcher({
    registry: createRegistry(commands),
    config: () => config,
    queue,
    releases: { list: never, get: never },
    locks: locks as LockStore,
    policy: requesterPolicy,
    log: silentLogger,
    storeTimeoutMs: 200,
  });
  const say = async (text: string) => {
    const started = Date.now();
    const outcome = await dispatcher.handle({
      platform: 'local',
      user: { id: 'local:alice', name: 'alice' },
      conversation: 'local',
      text,
      receivedAt: new Date(),
    });
    return { outcome, ms: Date.now() - started };
  };
  return { say, queued };
}

describe('store deadlines in the dispatcher', () => {
  it.each([
    ['stalls', { get: never }],
    ['fails', { get: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) }],
  ])('a lock check that %s answers "nothing was queued" and queues nothing', async (_what, locks) => {
    const { say, queued } = setup(locks);
    const { outcome, ms } = await say('deploy hello');
    expect(outcome.reply).toMatchObject({ status: 'error', title: 'deploy hello: queue unavailable' });
    expect(outcome.reply.text).toMatch(/nothing was queued, try again in a minute/);
    expect(ms).toBeLessThan(2000);
    expect(queued).toEqual([]);
  });

  it('a read-only answer that stalls says to try again; a lock that stalls says it may still land', async () => {
    const { say } = setup({ lock: never, list: never });
    const read = await say('releases hello');
    expect(read.outcome.reply).toMatchObject({ status: 'error', title: 'releases hello: store unavailable' });
    expect(read.outcome.reply.text).toBe('Redis did not answer within 0.2 s; try again in a minute');
    const write = await say('lock hello');
    expect(write.outcome.reply.text).toMatch(/the change may still go through once Redis answers; "lock status" shows where things stand/);
  });

  it('status and help do not read the lock store', async () => {
    const { say, queued } = setup({ get: never });
    expect((await say('status hello')).outcome.type).toBe('queued');
    expect((await say('help')).outcome.reply.status).toBe('info');
    expect(queued.map((q) => q.kind)).toEqual(['status']);
  });
});
