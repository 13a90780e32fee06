import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import { createJobStore } from '../store/job-store.ts';
import type { RedisKeys } from '../store/keys.ts';
import type { RedisConnector } from '../store/redis-connector.ts';
import { advanceAppLine, joinAppLine, LINE_RECHECK_MS, lineHead, waitingLine } from './app-line.ts';
import { finishJob } from './job-state.ts';
import { quitRedis } from '../store/quit-redis.ts';

export interface AppTurns {
  /**
   * True when the job is at the head of its app+env line and may run; otherwise it is parked
   * (delayed until promoted, or LINE_RECHECK_MS) and its thread says whom it waits behind.
   */
  take(job: Job<JobData>, token: string | undefined): Promise<boolean>;
  /** The job left its line (it is over): the next one is promoted and those behind are told their place. */
  leave(data: JobData): Promise<void>;
  close(): Promise<void>;
}

/**
 * The BullMQ side of the app lines (app-line.ts keeps the lines themselves): it promotes a
 * parked job, and reads the state of the job ahead (an app's jobs share one queue).
 */
export function createAppTurns(opts: {
  redis: Redis;
  keys: RedisKeys;
  connect: RedisConnector;
  /** The queue of a job that names none. */
  queueName: string;
  now: () => Date;
}): AppTurns {
  const { redis, keys } = opts;
  // A client of its own: BullMQ defines its ~50 scripts on the client it is given, and every
  // `redis.pipeline()` (each job's stream writes) copies them all, which cost a no-op job ~8% of its CPU.
  const connection = opts.connect('commands', 'voxoz-line');
  const queues = new Map<string, Queue<JobData>>();
  /** The queue handle a job's line is kept in (its own queue), made on first use. */
  const queueOf = (data: Pick<JobData, 'queue'>) => {
    const name = data.queue ?? opts.queueName;
    let q = queues.get(name);
    if (!q) {
      q = new Queue<JobData>(name, { connection, prefix: keys.bull });
      q.on('error', () => undefined);
      queues.set(name, q);
    }
    return q;
  };
  const promoteIn = (data: Pick<JobData, 'queue'>) => async (jobId: string) => {
    const parked = await Job.fromId(queueOf(data), jobId);
    if (parked && (await parked.isDelayed())) await parked.promote();
  };
  return {
    async take(job, token) {
      const data = job.data;
      let place = await joinAppLine(redis, keys, data);
      if (!place.head) {
        // The job ahead may be over in BullMQ without having left (its worker died and it failed
        // on a stall): it no longer holds the line.
        const ahead = await Job.fromId(queueOf(data), place.ahead);
        const state = ahead ? await ahead.getState() : 'unknown';
        if (state === 'completed' || state === 'failed' || state === 'unknown') {
          if (ahead) await finishJob(redis, keys, ahead.data);
          await advanceAppLine(redis, keys, ahead?.data ?? { ...data, id: place.ahead }, promoteIn(data), opts.now);
          place = await joinAppLine(redis, keys, data);
        }
      }
      if (place.head) return true;
      const note = waitingLine(place.ahead, place.position);
      const store = createJobStore(redis, keys);
      if (await store.noteWait(data.id, place.ahead, note))
        await store.append(data.id, { type: 'log', at: opts.now().toISOString(), line: note });
      await job.moveToDelayed(Date.now() + LINE_RECHECK_MS, token);
      // The head may have left between the join and the park: then nobody would promote this one.
      if ((await lineHead(redis, keys, data)) === data.id) await promoteIn(data)(data.id).catch(() => undefined);
      return false;
    },
    leave: (data) => advanceAppLine(redis, keys, data, promoteIn(data), opts.now),
    async close() {
      for (const q of queues.values()) await q.close().catch(() => undefined);
      await quitRedis(connection);
    },
  };
}
