import { listWorkers } from './worker-presence.ts';
import { Queue } from 'bullmq';
import type { ChatUser, JobData } from '../core/types.ts';
import { UserError } from '../core/user-error.ts';
import type { Logger } from '../observability/logger.ts';
import { jobDone } from '../store/job-done.ts';
import { createJobStore } from '../store/job-store.ts';
import type { RedisKeys } from '../store/keys.ts';
import { enqueueJob } from './enqueue-job.ts';
import { markConfirmed } from './confirm-mark.ts';
import { confirmJob, finishJob } from './job-state.ts';
import { advanceAppLine } from './app-line.ts';
import { createSettler } from './settle-writes.ts';
import { claimDelivery as claimDeliveryKey, type DeliveryClaim } from './claim-delivery.ts';
import type { JobReader } from '../dispatch/job-reader.ts';
import { listJobs } from './list-jobs.ts';
import { connectorFrom, type RedisConnector } from '../store/redis-connector.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { createReplicaWait, UNSAFE_ACKS } from '../store/wait-replica.ts';
import { quitRedis } from '../store/quit-redis.ts';

/** Longest wait for Redis when enqueueing before the user is told the queue is unavailable. @defaultValue 1000 */
export const ENQUEUE_TIMEOUT_MS = 1000;
/** Unfinished jobs (queued, waiting for a lock, or running) one user may have at once. @defaultValue 20 */
export const MAX_QUEUED_PER_USER = 20;

export type CancelResult = 'removed' | 'signalled' | 'finished' | 'unknown';

export interface JobQueue extends JobReader {
  /** Queues a job; the same id twice (a retried delivery) queues it once. */
  enqueue(data: JobData): Promise<'queued' | 'duplicate'>;
  /** The job as it was queued. */
  get(jobId: string): Promise<JobData | undefined>;
  /** Removes a queued job, or signals the workers to abort a running one. */
  cancel(jobId: string, by: ChatUser): Promise<CancelResult>;
  /** True while BullMQ holds the job (waiting, delayed, active, or kept after it finished). */
  isQueued(jobId: string): Promise<boolean>;
  /** Resolves when both of the enqueue's connections answer (for `/readyz`): a command now would be queued. */
  ping(): Promise<void>;
  /**
   * Claims a platform delivery id (a click) before acting on it: `claimed` (act, then settle:
   * success remembers it for a day, failure releases it for a retry), `in-flight` or `done`.
   */
  claimDelivery(platform: string, deliveryId: string): Promise<DeliveryClaim>;
  close(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new UserError(
            'queue_unavailable',
            'the job queue is unavailable (Redis does not answer); nothing was queued, try again in a minute',
          ),
        ),
      ms,
    );
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export interface JobQueueOptions {
  /** Where the clients come from (the composition root's connector), or a server URL to connect to. */
  connect?: RedisConnector;
  redisUrl?: string;
  keys: RedisKeys;
  /** @defaultValue systemClock */
  now?: Clock;
  queueName: string;
  attempts: number;
  /** Refuse a user's next command while they have this many unfinished jobs (`worker.maxQueuedPerUser`). @defaultValue MAX_QUEUED_PER_USER (20) */
  maxQueuedPerUser?: number;
  /** Longest an enqueue waits for Redis before the user hears "nothing was queued". @defaultValue ENQUEUE_TIMEOUT_MS (1000) */
  timeoutMs?: number;
  /** Where a confirm or abandon that could not be written within SETTLE_RETRY_MS is reported. */
  log?: Logger;
  /** The queue each job goes to (jobs/job-route.ts). @defaultValue always `queueName` */
  route?: (data: JobData) => string;
  /** Every queue `route` can answer (cancel, list and isQueued look in each), read at each call (a reload may add targets). @defaultValue [queueName] */
  queueNames?: readonly string[] | (() => readonly string[]);
  /**
   * Refuse a job no worker would take (none has said it takes its queue), instead of letting it
   * wait forever: answers why, or undefined to queue it. @defaultValue queue it
   */
  refuseUnserved?: (queue: string) => Promise<string | undefined>;
}

export function createJobQueue(opts: JobQueueOptions): JobQueue {
  const { keys } = opts;
  // Fail fast instead of buffering commands while Redis is away: a user waits on this.
  const connect = connectorFrom(opts);
  const now = opts.now ?? systemClock;
  const redis = connect('fail-fast', 'voxoz-enqueue');
  const queueConnection = connect('fail-fast', 'voxoz-queue');
  const queues = new Map<string, Queue<JobData>>();
  /** The queue handle of `name`, made on first use. */
  const queueOf = (name = opts.queueName) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue<JobData>(name, { connection: queueConnection, prefix: keys.bull });
      q.on('error', () => undefined);
      queues.set(name, q);
    }
    return q;
  };
  /** Every queue a job may be in now: the configured ones and any used since. */
  const allQueues = () => {
    const listed = typeof opts.queueNames === 'function' ? opts.queueNames() : (opts.queueNames ?? []);
    for (const name of [opts.queueName, ...listed]) queueOf(name);
    return [...queues.values()];
  };
  const route = opts.route ?? (() => opts.queueName);
  /** The job wherever it is (its own data says which queue; older jobs have none). */
  const findJob = async (jobId: string) => {
    for (const q of allQueues()) {
      const job = await q.getJob(jobId);
      if (job) return job;
    }
    return undefined;
  };
  // With the offline queue off, commands sent before the connection is ready fail: wait for it (bounded by the callers' timeouts).
  // One shared wait, however many callers wait at once.
  let connecting: Promise<void> | undefined;
  const ready = async () => {
    if (redis.status === 'ready') return;
    connecting ??= new Promise<void>((resolve) =>
      redis.once('ready', () => {
        connecting = undefined;
        resolve();
      }),
    );
    await connecting;
  };
  const timeoutMs = opts.timeoutMs ?? ENQUEUE_TIMEOUT_MS;
  const store = createJobStore(redis, keys);
  const settler = createSettler(undefined, opts.log);
  // On the connection queue.add wrote through: WAIT covers that connection's writes (and the reserve before them).
  const replicaWait = createReplicaWait({
    ...(opts.log ? { log: opts.log } : {}),
    ...(connect.masterCheck ? { masterCheck: connect.masterCheck } : {}),
  });
  /**
   * The confirm that follows a "queued", written until a replica has it too: a confirm that
   * only the old master saw would leave the job pending on the new one, and a worker would drop
   * it as never confirmed. Sent again after a failover it confirms the job there (it is
   * idempotent), or, past CONFIRM_WAIT_MS, says in the thread that it came too late.
   */
  const confirmReplicated = (data: JobData) => async () => {
    if ((await confirmJob(redis, keys, data, now)) === 'confirmed') await markConfirmed(queueOf(data.queue ?? opts.queueName), data);
    const ack = await replicaWait(redis, `confirm ${data.id}`);
    if (UNSAFE_ACKS.has(ack)) throw new Error(`the confirm of ${data.id} reached no replica (${ack})`);
  };
  const promote = async (jobId: string) => {
    const parked = await findJob(jobId);
    if (parked && (await parked.isDelayed())) await parked.promote();
  };
  return {
    async enqueue(given) {
      const name = route(given);
      const data = name === opts.queueName ? given : { ...given, queue: name };
      const refused = opts.refuseUnserved ? await withTimeout(opts.refuseUnserved(name), timeoutMs) : undefined;
      if (refused) throw new UserError('no_worker', refused);
      return enqueueJob(
        {
          redis,
          queue: queueOf(name),
          keys,
          attempts: opts.attempts,
          timeoutMs,
          maxQueuedPerUser: opts.maxQueuedPerUser ?? MAX_QUEUED_PER_USER,
          ready: () => withTimeout(ready(), timeoutMs),
          settle: settler.settle,
          replicated: (maxMs) => replicaWait(queueConnection, `enqueue ${data.id}`, maxMs),
          confirm: confirmReplicated(data),
          now,
        },
        data,
      );
    },
    async get(jobId) {
      await withTimeout(ready(), ENQUEUE_TIMEOUT_MS);
      return store.data(jobId);
    },
    async cancel(jobId, by) {
      const job = await findJob(jobId);
      if (!job) return 'unknown';
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') return 'finished';
      if (state !== 'active') {
        const removed = await job.remove().then(
          () => true,
          () => false,
        );
        if (removed) {
          await finishJob(redis, keys, job.data);
          await store.append(jobId, jobDone.cancelledQueued(now().toISOString(), job.data.command, by.name));
          // A parked job leaves its app+env line; the jobs behind it move up.
          if (job.data.app) await advanceAppLine(redis, keys, job.data, promote, now);
          return 'removed';
        }
      }
      await redis.publish(keys.cancelChannel, `${jobId}|${by.name}`);
      return 'signalled';
    },
    async list(filter) {
      await withTimeout(ready(), ENQUEUE_TIMEOUT_MS);
      return listJobs(allQueues(), redis, keys, filter);
    },
    async workers() {
      await withTimeout(ready(), ENQUEUE_TIMEOUT_MS);
      return listWorkers(redis, keys);
    },
    async ping() {
      await withTimeout(ready(), ENQUEUE_TIMEOUT_MS);
      await Promise.all([redis.ping(), queueConnection.ping()]);
    },
    async isQueued(jobId) {
      return (await findJob(jobId)) !== undefined;
    },
    async claimDelivery(platform, deliveryId) {
      await withTimeout(ready(), ENQUEUE_TIMEOUT_MS);
      return claimDeliveryKey(redis, keys.delivery(platform, deliveryId));
    },
    async close() {
      await settler.close(1000);
      for (const q of queues.values()) await q.close();
      await quitRedis(queueConnection);
      await quitRedis(redis);
    },
  };
}
