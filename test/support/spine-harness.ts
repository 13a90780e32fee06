import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { LocalChat, newThreadId, type LocalThread } from '../../adapters/local/local-chat.ts';
import { commands } from '../../commands/index.ts';
import { validateConfig, type LoadedConfig } from '../../src/config/load-config.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { createDispatcher, type Dispatcher } from '../../src/dispatch/dispatcher.ts';
import { type Policy, requesterPolicy } from '../../src/dispatch/policy.ts';
import type { JobData, Reply } from '../../src/core/types.ts';
import type { DriverMap } from '../../src/drivers/driver.ts';
import { createJobQueue, type JobQueue } from '../../src/jobs/job-queue.ts';
import { processors } from '../../src/jobs/processors/index.ts';
import { startWorkerPool, type WorkerPool, type WorkerPoolOptions } from '../../src/jobs/worker-pool.ts';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import { createLogger, silentLogger } from '../../src/observability/logger.ts';
import { startRelay, type Relay } from '../../src/relay/relay.ts';
import { redisKeys, type RedisKeys } from '../../src/store/keys.ts';
import { createLockStore, type LockStore } from '../../src/store/lock-store.ts';
import { createReleaseStore, type ReleaseStore } from '../../src/store/release-store.ts';
import { createDesiredStore } from '../../src/store/desired-store.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { allQueues, routeJob } from '../../src/jobs/job-route.ts';
import { refuseUnserved } from '../../src/jobs/worker-presence.ts';
import { createSystemJobs, type SystemJobs } from '../../src/store/record-system-job.ts';

export interface Spine {
  redis: Redis;
  keys: RedisKeys;
  chat: LocalChat;
  queue: JobQueue;
  dispatcher: Dispatcher;
  releases: ReleaseStore;
  locks: LockStore;
  config: LoadedConfig;
  startWorkers(
    concurrency?: number,
    opts?: Partial<
      Pick<WorkerPoolOptions, 'lockTtlMs' | 'confirmWaitMs' | 'processors' | 'systemJobs' | 'queueNames' | 'reaches' | 'secrets'>
    >,
  ): Promise<WorkerPool>;
  startRelay(opts?: { leaseMs?: number; lostAfterMs?: number }): Relay;
  /** Records system jobs (a burst's scale-back) on the spine's queue, as main.ts wires them for workers; closed with the spine. */
  systemJobs(): SystemJobs;
  /** Sends a command as a local user and returns its thread id. */
  say(user: string, text: string, deliveryId?: string): Promise<{ thread: string; job?: string; reply?: Reply }>;
  /** Waits until the job's stream says it reached `step` (e.g. `deploy`). */
  waitForStep(job: string, step: string, timeoutMs?: number): Promise<void>;
  /** Waits until the thread has ended and returns it. */
  waitForEnd(thread: string, timeoutMs?: number): Promise<LocalThread>;
  /** Says `text` as alice, waits for its thread to end (90 s at most) and returns the outcome: the parent as it ended, or the answer. */
  outcome(text: string): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * The spine without Docker or HTTP: real Redis, real BullMQ queue and workers, the real relay
 * and the local chat, with a driver map the test provides (a double of our own Driver port).
 */
export async function startSpine(
  drivers: DriverMap,
  rawConfig: unknown = { apps: [{ name: 'hello', source: { path: '/nonexistent' }, port: 18080 }] },
  /** routed: jobs go to a queue per runtime, and one no worker takes is refused (as in main.ts). */
  opts: { redisUrl?: string; policy?: Policy; routed?: boolean } = {},
): Promise<Spine> {
  // vitest only when it provides the URL: the deploy benchmark runs this harness outside it.
  const redisUrl = opts.redisUrl ?? (await import('vitest')).inject('redisUrl');
  const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const config = validateConfig(rawConfig, '/test/voxoz.yml');
  const releases = createReleaseStore(redis, keys);
  const locks = createLockStore(redis, keys);
  // The local chat keeps its threads in Redis under the spine's prefix, like the bot's.
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const chat = new LocalChat({ redis, subscriber, keys });
  await chat.start();
  const queue = createJobQueue({
    redisUrl,
    keys,
    queueName: 'jobs',
    attempts: config.worker.attempts,
    maxQueuedPerUser: config.worker.maxQueuedPerUser,
    ...(opts.routed
      ? {
          queueNames: () => allQueues(config),
          route: (data: JobData) => routeJob(config, data),
          refuseUnserved: refuseUnserved(redis, keys, () => config),
        }
      : {}),
  });
  const dispatcher = createDispatcher({
    registry: createRegistry(commands),
    config: () => config,
    queue,
    releases,
    locks,
    policy: opts.policy ?? requesterPolicy,
    log: process.env.VOXOZ_TEST_LOG ? createLogger('debug') : silentLogger,
  });
  const closers: Array<() => Promise<void>> = [];
  const spine: Spine = {
    redis,
    keys,
    chat,
    queue,
    dispatcher,
    releases,
    locks,
    config,
    async startWorkers(concurrency = 2, extra = {}) {
      const pool = await startWorkerPool({
        redis,
        keys,
        config: () => config,
        drivers,
        releases,
        locks,
        processors,
        log: silentLogger,
        now: () => new Date(),
        redisUrl,
        queueName: 'jobs',
        concurrency,
        secrets: () => ['hunter22'],
        lockRetryMs: 200,
        desired: createDesiredStore(redis, keys),
        ...extra,
      });
      closers.push(() => pool.close());
      return pool;
    },
    startRelay(opts = {}) {
      const relay = startRelay({
        redisUrl,
        keys,
        surfaces: [chat],
        log: silentLogger,
        tickMs: 50,
        leaseMs: opts.leaseMs ?? 15_000,
        lost: { isQueued: (id) => queue.isQueued(id), afterMs: opts.lostAfterMs ?? 30_000 },
      });
      closers.push(() => relay.close());
      return relay;
    },
    systemJobs() {
      const connection = new Redis(redis.options);
      const bull = new Queue<JobData>('jobs', { connection, prefix: keys.bull });
      const systemJobs = createSystemJobs({ redis, queue: bull, keys, config: () => config });
      closers.push(
        () => bull.close(),
        async () => void (await connection.quit()),
        () => systemJobs.close(),
      );
      return systemJobs;
    },
    async say(user, text, deliveryId) {
      // The thread's writes are sent now and not awaited: a test may have stopped Redis, and the
      // dispatcher must still answer. Later reads go over the same connection, so they see them.
      const thread = { id: newThreadId() };
      chat.openThread(user, text, 'local', thread.id).catch(() => undefined);
      const outcome = await dispatcher.handle({
        platform: 'local',
        user: { id: `local:${user}`, name: user },
        conversation: 'local',
        text,
        receivedAt: new Date(),
        meta: { thread: thread.id },
        ...(deliveryId ? { deliveryId } : {}),
      });
      if (outcome.type === 'answer') chat.answer(thread.id, outcome.reply).catch(() => undefined);
      return { thread: thread.id, job: outcome.type === 'queued' ? outcome.jobId : undefined, reply: outcome.reply };
    },
    async waitForStep(job, step, timeoutMs = 10_000) {
      await waitUntil(
        `job ${job} to reach its ${step} step`,
        async () => (await readWholeJobStream(redis, keys, job)).some((e) => e.event.type === 'step' && e.event.step === step),
        timeoutMs,
      );
    },
    async waitForEnd(thread, timeoutMs = 20_000) {
      await waitUntil(`thread ${thread} to end`, async () => (await chat.thread(thread))?.state === 'done', timeoutMs, 25);
      return (await chat.thread(thread))!;
    },
    async outcome(text) {
      const { thread } = await spine.say('alice', text);
      return (await spine.waitForEnd(thread, 90_000)).messages[1]!.reply!;
    },
    async close() {
      for (const c of closers.reverse()) await c().catch(() => undefined);
      await queue.close();
      await chat.stop();
      await subscriber.quit();
      await redis.quit();
    },
  };
  return spine;
}
