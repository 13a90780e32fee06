import { hostname } from 'node:os';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import { createMasker } from '../observability/mask-secrets.ts';
import { acquireAppLock, releaseAppLock } from './app-lock.ts';
import { createJobStreamWriter } from './job-stream.ts';
import { runJob, type RunJobDeps } from './run-job.ts';

export interface WorkerPoolOptions extends RunJobDeps {
  redisUrl: string;
  queueName: string;
  concurrency: number;
  /** Values masked in every log line the workers write. */
  secrets: () => string[];
  /** How long a job waits before looking again at a held app lock. @defaultValue 2000 */
  lockRetryMs?: number;
}

export interface WorkerPool {
  readonly id: string;
  close(): Promise<void>;
}

/**
 * BullMQ workers that run jobs through `runJob`. They write only to Redis (the job streams),
 * never to chat, so they can run in the bot process or anywhere else (`voxoz worker`).
 * Cancellation reaches them over a pub/sub channel and aborts the job's signal.
 */
export async function startWorkerPool(opts: WorkerPoolOptions): Promise<WorkerPool> {
  const id = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const { keys, redis } = opts;
  const lockRetryMs = opts.lockRetryMs ?? 2000;
  const processor = async (job: Job<JobData>, token?: string, signal?: AbortSignal) => {
    const data = job.data;
    const abort = signal ?? new AbortController().signal;
    const writer = createJobStreamWriter(redis, keys, data.id, createMasker(opts.secrets()));
    const processorSpec = opts.processors[data.kind];
    const lockKey = data.app && processorSpec?.mutates ? keys.appLock(data.app, data.env) : undefined;
    if (lockKey) {
      const holder = await acquireAppLock(redis, lockKey, data.id);
      if (holder) {
        if (!(await redis.hget(keys.job(data.id), 'waited'))) {
          await redis.hset(keys.job(data.id), 'waited', holder);
          writer.write({ type: 'log', at: opts.now().toISOString(), line: `waiting: job ${holder} is changing ${data.app} (${data.env}); this one runs after it` });
          await writer.flush();
        }
        await job.moveToDelayed(Date.now() + lockRetryMs, token);
        throw new DelayedError();
      }
    }
    try {
      writer.write({ type: 'started', at: opts.now().toISOString(), attempt: job.attemptsMade + 1, worker: id });
      const attempts = job.opts.attempts ?? 1;
      const verdict = await runJob(opts, data, writer, abort, { number: job.attemptsMade + 1, last: job.attemptsMade + 1 >= attempts });
      if (verdict.retry) throw verdict.error;
      if (verdict.outcome !== 'succeeded') throw new UnrecoverableError(verdict.outcome);
      return verdict.outcome;
    } finally {
      if (lockKey) await releaseAppLock(redis, lockKey, data.id);
    }
  };
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker<JobData>(opts.queueName, processor, {
    connection,
    prefix: keys.bull,
    concurrency: opts.concurrency,
  });
  worker.on('error', (err) => opts.log.warn('worker error', { err }));
  const subscriber = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  await subscriber.subscribe(keys.cancelChannel);
  subscriber.on('message', (_channel, message: string) => {
    const [jobId = '', by = 'someone'] = message.split('|');
    if (worker.cancelJob(jobId, by)) opts.log.info('cancelling job', { jobId, by });
  });
  await worker.waitUntilReady();
  return {
    id,
    async close() {
      await subscriber.quit().catch(() => undefined);
      await worker.close();
      await connection.quit().catch(() => undefined);
    },
  };
}
