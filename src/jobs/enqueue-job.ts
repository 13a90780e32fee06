import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import { UserError } from '../core/user-error.ts';
import type { RedisKeys } from '../store/keys.ts';
import { type ReplicaAck, UNSAFE_ACKS } from '../store/wait-replica.ts';
import { abandonJob, confirmJob, reserveJob } from './job-state.ts';
import type { Clock } from '../core/clock.ts';

export interface EnqueueDeps {
  redis: Redis;
  queue: Queue<JobData>;
  keys: RedisKeys;
  attempts: number;
  /** Longest the user waits for an answer. */
  timeoutMs: number;
  maxQueuedPerUser: number;
  /** Resolves when `redis` is ready (its offline queue is off); gives up after about `timeoutMs`. */
  ready: () => Promise<void>;
  /** Runs a write that must land eventually (a confirm after "queued", an abandon after "not queued"). */
  settle: (what: string, write: () => Promise<unknown>) => void;
  /**
   * Whether the job's writes reached a replica within `maxMs` (store/wait-replica.ts); on an
   * answer in UNSAFE_ACKS the command is refused, as a failover could lose it. @defaultValue none: answer at once
   */
  replicated?: (maxMs: number) => Promise<ReplicaAck>;
  /** The confirm write, settled after "queued". @defaultValue confirmJob on `redis` */
  confirm?: () => Promise<unknown>;
  /** Stamps the "too late" note a confirm may write. @defaultValue systemClock */
  now?: Clock;
}

/** What the replica wait leaves of the user's time for the answer itself. @defaultValue 100 */
const REPLICA_MARGIN_MS = 100;

/** What the user is told when no replica has the job (the command is refused, the job abandoned). */
const UNSAFE_WHY = {
  'not-replicated': 'no Redis replica confirmed the job in time, so a failover could lose it',
  'stale-master': 'Redis is failing over: the server voxoz reached is no longer the master',
  unreachable: 'Redis stopped answering while the job was written',
} as const;

/** ioredis' words for a connection that is gone (a failover, a restart): the user hears that, not the option names. */
const CONNECTION_LOST = /max retries per request|Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE/;

/** Why Redis refused or failed a write of the enqueue, as the user hears it. */
export function whyRedisFailed(err: Error): string {
  return CONNECTION_LOST.test(err.message) ? 'the connection to Redis was lost' : err.message;
}

export const unavailable = (why: string) =>
  new UserError('queue_unavailable', `the job queue is unavailable (${why}); nothing was queued, try again in a minute`);

/**
 * reserve → queue.add → (a replica has it, or the command is refused) → answer → confirm. The answer is decided once, in this process: either
 * every write before it returned in time and the user hears "queued" (then the confirm makes
 * the job runnable), or the time ran out and the user hears "nothing was queued" (then no
 * confirm is ever sent, an abandon is, and a worker handed the BullMQ job drops it unrun).
 * Writes still on their way when the time runs out cannot undo that answer.
 * `delayMs` holds the job in the queue that long before a worker may take it (a burst's
 * scale-back); the relay posts it as queued at once.
 */
export function enqueueJob(deps: EnqueueDeps, data: JobData, opts: { delayMs?: number } = {}): Promise<'queued' | 'duplicate'> {
  const { redis, keys } = deps;
  return new Promise((resolve, reject) => {
    let decided = false;
    let reserveSent = false;
    const decide = (answer: () => void): boolean => {
      if (decided) return false;
      decided = true;
      clearTimeout(timer);
      answer();
      return true;
    };
    const giveUp = (err: UserError) => {
      if (decide(() => reject(err)) && reserveSent) deps.settle(`abandon ${data.id}`, () => abandonJob(redis, keys, data));
    };
    const deadline = Date.now() + deps.timeoutMs;
    const timer = setTimeout(() => giveUp(unavailable('Redis does not answer')), deps.timeoutMs);
    (async () => {
      await deps.ready();
      if (decided) return;
      reserveSent = true;
      const reservation = await reserveJob(redis, keys, data, deps.maxQueuedPerUser);
      if (reservation.result === 'duplicate') {
        decide(() => resolve('duplicate'));
        return;
      }
      if (reservation.result === 'capped') {
        decide(() =>
          reject(new UserError('too_many_queued', `you have ${reservation.count} jobs queued; wait for some to finish or cancel one`)),
        );
        return;
      }
      if (reservation.result === 'abandoned') {
        decide(() =>
          reject(
            new UserError(
              'queue_unavailable',
              'this command was received before, while the job queue was unavailable, and was not queued; send it again',
            ),
          ),
        );
        return;
      }
      if (decided) return; // timed out while reserving: the abandon sent then cleans up
      await deps.queue.add(data.kind, data, {
        jobId: data.id,
        attempts: deps.attempts,
        ...(opts.delayMs ? { delay: opts.delayMs } : {}),
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 7 * 24 * 3600, count: 5000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
      });
      // "queued" only once a replica has the job, when one exists (store/wait-replica.ts), within the time left.
      if (deps.replicated && !decided) {
        const ack = await deps.replicated(deadline - Date.now() - REPLICA_MARGIN_MS);
        if (UNSAFE_ACKS.has(ack)) throw unavailable(UNSAFE_WHY[ack as keyof typeof UNSAFE_WHY]);
      }
      // Synchronously with the answer: once "queued" is said, the confirm follows; never otherwise.
      if (decide(() => resolve('queued')))
        deps.settle(`confirm ${data.id}`, deps.confirm ?? (() => confirmJob(redis, keys, data, deps.now)));
    })().catch((err: unknown) => giveUp(err instanceof UserError ? err : unavailable(whyRedisFailed(err as Error))));
  });
}
