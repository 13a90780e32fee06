import { hostname } from 'node:os';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectorFrom, type RedisConnector } from '../store/redis-connector.ts';
import type { JobData } from '../core/types.ts';
import { currentMasker } from '../observability/mask-secrets.ts';
import { createAppTurns } from './app-turn.ts';
import { holdAppLock } from './hold-app-lock.ts';
import { CONFIRM_WAIT_MS, claimJob, finishJob } from './job-state.ts';
import { CONFIRM_POLL_MS, claimRun } from './claim-run.ts';
import { jobEnd } from './job-end.ts';
import { completionRides } from './end-with-completion.ts';
import { createJobStreamWriter } from './job-stream.ts';
import { confirmedFirstRun } from './confirm-mark.ts';
import { createSettler } from './settle-writes.ts';
import { createJobStore } from '../store/job-store.ts';
import { reconcileApps } from './reconcile-apps.ts';
import { onDoorMade } from '../frontdoor/door-made.ts';
import { runJob, type RunJobDeps } from './run-job.ts';
import { type JobCancel, lazyCancel, signalAbort } from './job-cancel.ts';
import { advertiseWorker } from './worker-presence.ts';
import { closeWorker } from './close-worker.ts';
import { quitRedis } from '../store/quit-redis.ts';

export interface WorkerPoolOptions extends RunJobDeps {
  /** Where the workers' own clients come from (the composition root's connector), or a server URL. */
  connect?: RedisConnector;
  redisUrl?: string;
  queueName: string;
  /**
   * The queues this pool takes jobs from (jobs/job-route.ts), each with workers of its own; it
   * says so in Redis while it runs, so a job no worker takes is refused at once. @defaultValue [queueName]
   */
  queueNames?: readonly string[];
  /** What this worker reaches, in words, for `voxoz workers` (e.g. "target swarm-eu"). @defaultValue [] */
  reaches?: readonly string[];
  /** Which app environments this worker reconciles (those whose queue it takes). @defaultValue all */
  serves?: (app: string, env: string) => boolean;
  concurrency: number;
  /** Values masked in every log line the workers write. */
  secrets: () => string[];
  /** How long a job waits before looking again at a held app lock. @defaultValue 2000 */
  lockRetryMs?: number;
  /** Lifetime of an app+env lock between heartbeat renewals (every third of it). @defaultValue APP_LOCK_TTL_MS (2 min) */
  lockTtlMs?: number;
  /**
   * BullMQ's job lock (`lockDuration`): how long a worker that stopped answering keeps its jobs
   * before the stalled check (every half of it) hands them to another worker; a job is taken
   * over at most twice (`maxStalledCount` 2; a deploy gives up at the second). @defaultValue 30000
   */
  stalledMs?: number;
  /** How often every configured app+env is reconciled besides at start. @defaultValue 60000 */
  reconcileEveryMs?: number;
  /** How long a job whose enqueue is not confirmed is left waiting before it is dropped unrun. @defaultValue CONFIRM_WAIT_MS (10000) */
  confirmWaitMs?: number;
}

export interface WorkerPool {
  readonly id: string;
  /** The queues it takes jobs from now. */
  queues(): readonly string[];
  /**
   * Takes jobs from exactly these queues from now on, reaching what `reaches` says (in words, for
   * `voxoz workers`): workers are added for new queues; a queue left is let go once its running
   * jobs have finished. Said in Redis before it resolves.
   */
  serve(queueNames: readonly string[], reaches: readonly string[]): Promise<void>;
  /** Cancels every job running here (a second Ctrl-C): each rolls back what it started. */
  abortAll(reason: string): void;
  /** Stops taking jobs and resolves once the running ones have ended. */
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
  const since = new Date().toISOString();
  /** The jobs running here now (for the worker's card), each with its cancel. */
  const running = new Map<string, { command: string; cancel: JobCancel }>();
  /** A job's last write, when it failed (Redis cut off): sent again until it lands (it is written once). */
  const settler = createSettler(undefined, opts.log);
  /** Ends of jobs that hold no app, handed to BullMQ's completion of the job (one script for both). */
  const rides = completionRides();
  /** The masker of the secrets configured now. */
  const masker = currentMasker(opts.secrets);
  /** `connection`: the BullMQ worker's own client, on which the job's completion follows. */
  const processor = async (job: Job<JobData>, connection: Redis, token?: string) => {
    const data = job.data;
    const cancel = lazyCancel();
    running.set(data.id, { command: data.command, cancel });
    try {
      return await runTaken(job, connection, cancel, token);
    } catch (err) {
      rides.release(data.id);
      throw err;
    } finally {
      running.delete(data.id);
    }
  };
  /** A job that changes an app: it waits for its turn in the app's line. A dry run changes nothing and does not wait. */
  const changesApp = (data: JobData) => Boolean(data.app && opts.processors[data.kind]?.mutates && data.args['dry-run'] !== true);
  const runTaken = async (job: Job<JobData>, connection: Redis, cancel: JobCancel, token?: string) => {
    const data = job.data;
    // Runs only a job whose enqueue was confirmed to its user; see job-state.ts.
    const confirmWaitMs = opts.confirmWaitMs ?? CONFIRM_WAIT_MS;
    // A job that changes an app starts only at the head of its line, holding the app's lock;
    // any other starts with its claim, which writes its `started` event in the same round trip.
    const inLine = changesApp(data);
    const startedEvent = () => ({ type: 'started' as const, at: opts.now().toISOString(), attempt: job.attemptsMade + 1, worker: id });
    const claim = async () => claimJob(redis, keys, data, confirmWaitMs, inLine ? undefined : startedEvent());
    // The first run of a job marked confirmed needs no claim; its `started` goes with its next write.
    const confirmed = confirmedFirstRun(job);
    const claimed = await claimRun(confirmed, claim, confirmWaitMs);
    if (claimed.verdict === 'wait') {
      await job.moveToDelayed(Date.now() + Math.min(claimed.ms, CONFIRM_POLL_MS), token);
      throw new DelayedError();
    }
    if (claimed.verdict === 'drop') {
      opts.log.info('dropping a job that was never queued for its user', { jobId: data.id, why: claimed.why });
      opts.metrics?.jobEnded(data.kind, 'dropped', 0);
      return 'dropped';
    }
    // The job's `done` event and "it is over" (off its user's cap) go in one command, ahead of
    // BullMQ's completion; a job that holds no app hands them to the completion's own script.
    const end = jobEnd({ connection, redis, keys, data, log: opts.log, settler, ride: inLine ? undefined : rides });
    const writer = createJobStreamWriter(redis, keys, data.id, masker(), opts.config().worker.logLimit, end.send);
    if (inLine && !(await turns.take(job, token))) {
      await writer.flush();
      throw new DelayedError();
    }
    const lock = inLine ? await holdAppLock(redis, keys, data.id, data.app!, data.env, opts.lockTtlMs) : undefined;
    if (lock && !lock.held) {
      if (await createJobStore(redis, keys).firstWait(data.id, lock.holder)) {
        writer.write({
          type: 'log',
          at: opts.now().toISOString(),
          line: `waiting: job ${lock.holder} is changing ${data.app} (${data.env}); this one runs after it`,
        });
        await writer.flush();
      }
      await job.moveToDelayed(Date.now() + lockRetryMs, token);
      throw new DelayedError();
    }
    const abort = lock?.held ? signalAbort(AbortSignal.any([cancel.signal, lock.lost])) : cancel;
    let over = false;
    try {
      if (inLine || confirmed) writer.write(startedEvent());
      // The stalled check found it running with no live worker (killed, crashed, cut off) and handed it here.
      if (job.stalledCounter > 0)
        writer.write({
          type: 'log',
          at: opts.now().toISOString(),
          line: `the worker that was running this job stopped without finishing it; worker ${id} takes it over and goes on from its last safe step`,
        });
      const attempts = job.opts.attempts ?? 1;
      const began = performance.now();
      if (job.attemptsMade === 0 && job.stalledCounter === 0)
        opts.metrics?.jobWaited(data.queue ?? opts.queueName, (Date.now() - job.timestamp - (job.opts.delay ?? 0)) / 1000);
      const verdict = await runJob(
        opts,
        data,
        writer,
        abort,
        { number: job.attemptsMade + 1, last: job.attemptsMade + 1 >= attempts, takeovers: job.stalledCounter },
        lock?.held ? lock.fence : undefined,
      );
      opts.metrics?.jobEnded(data.kind, verdict.retry ? 'retrying' : verdict.outcome, (performance.now() - began) / 1000, {
        app: data.app,
        env: data.env,
      });
      if (verdict.retry) throw verdict.error;
      over = true;
      if (verdict.outcome !== 'succeeded') throw new UnrecoverableError(verdict.outcome);
      return verdict.outcome;
    } finally {
      // The next job of the app starts only once this one's end is in Redis.
      if (inLine) await end.landed();
      if (lock?.held) await lock.release();
      if (over && inLine) await turns.leave(data);
    }
  };
  /** The queues taken now, and what this worker reaches in words (both change when `serve` is called). */
  let queueNames: readonly string[] = [...(opts.queueNames ?? [opts.queueName])];
  let reaches: readonly string[] = [...(opts.reaches ?? [])];
  const connect = connectorFrom(opts);
  const turns = createAppTurns({ redis, keys, connect, queueName: opts.queueName, now: opts.now });
  // In the background: an engine that is slow to answer must not hold up the workers (each deploy reconciles again first).
  const reconcile = () =>
    void reconcileApps({ redis, keys, config: opts.config(), drivers: opts.drivers, log: opts.log, serves: opts.serves });
  reconcile();
  const reconciler = setInterval(reconcile, opts.reconcileEveryMs ?? 60_000);
  reconciler.unref();
  // A front door made anew serves no site: the environments behind it are pointed again now, not at the next round.
  const stopHearingDoors = onDoorMade(reconcile);
  const stalledMs = opts.stalledMs ?? 30_000;
  /** A BullMQ worker (and its blocking connection) per queue taken. */
  const workers = new Map<string, { worker: Worker<JobData>; connection: ReturnType<typeof connect> }>();
  /** Workers of queues no longer taken, finishing their running jobs. */
  const leaving = new Set<Promise<void>>();
  const addWorker = (name: string) => {
    const connection = connect('blocking', workers.size === 0 ? 'voxoz-worker' : `voxoz-worker-${name}`);
    // Two parameters: BullMQ makes no AbortSignal for a job then (the pool's cancels are lazy; job-cancel.ts).
    const worker = new Worker<JobData>(
      name,
      (job, token) => processor(job, connection, token),
      {
        connection,
        prefix: keys.bull,
        concurrency: opts.concurrency,
        lockDuration: stalledMs,
        stalledInterval: Math.max(1000, Math.floor(stalledMs / 2)),
        // Two takeovers: the second one lets a deploy say in its thread that it gives up (a third stall fails it in BullMQ, silently).
        maxStalledCount: 2,
      },
      rides.backendFactory,
    );
    worker.on('error', (err) => opts.log.warn('worker error', { err }));
    // A job that failed outside runJob on its last attempt no longer counts against its user's cap.
    worker.on('failed', (job) => {
      if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
      void (async () => {
        await finishJob(redis, keys, job.data);
        if (changesApp(job.data)) await turns.leave(job.data);
      })().catch(() => undefined);
    });
    workers.set(name, { worker, connection });
    return worker;
  };
  /** Stops taking the queue's jobs; its running jobs finish first (close waits for them). */
  const dropWorker = (name: string) => {
    const taken = workers.get(name);
    if (!taken) return;
    workers.delete(name);
    const done = (async () => {
      await closeWorker(taken.worker, () => running.size === 0);
      await quitRedis(taken.connection);
    })().finally(() => leaving.delete(done));
    leaving.add(done);
  };
  for (const name of queueNames) addWorker(name);
  const subscriber = connect('blocking', 'voxoz-cancel');
  await subscriber.subscribe(keys.cancelChannel);
  subscriber.on('message', (_channel, message: string) => {
    const [jobId = '', by = 'someone'] = message.split('|');
    const job = running.get(jobId);
    if (!job) return;
    opts.log.info('cancelling job', { jobId, by });
    job.cancel.abort(by);
  });
  for (const { worker } of workers.values()) await worker.waitUntilReady();
  const presence = advertiseWorker(redis, keys, id, () => ({
    host: hostname(),
    pid: process.pid,
    since,
    reaches: [...reaches],
    queues: [...queueNames],
    concurrency: opts.concurrency,
    running: [...running].map(([jobId, job]) => ({ id: jobId, command: job.command })),
  }));
  await presence.renew();
  let closed = false;
  return {
    id,
    queues: () => queueNames,
    async serve(names, words) {
      if (closed) return;
      const next = [...new Set(names)];
      for (const name of queueNames) if (!next.includes(name)) dropWorker(name);
      const added = next.filter((name) => !workers.has(name)).map(addWorker);
      queueNames = next;
      reaches = [...words];
      for (const worker of added) await worker.waitUntilReady();
      // Said at once: a command for a queue taken just now is no longer refused, one for a queue left is.
      await presence.renew();
    },
    abortAll: (reason) => {
      for (const job of running.values()) job.cancel.abort(reason);
    },
    async close() {
      // The cancel channel stays open while running jobs drain: a Cancel pressed then still reaches them.
      closed = true;
      clearInterval(reconciler);
      stopHearingDoors();
      await presence.stop();
      for (const name of [...workers.keys()]) dropWorker(name);
      await Promise.all([...leaving]);
      await turns.close();
      await settler.close(5000);
      await quitRedis(subscriber);
    },
  };
}
