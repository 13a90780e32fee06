import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../config/load-config.ts';
import type { JobData } from '../core/types.ts';
import { isUserError, UserError } from '../core/user-error.ts';
import type { DriverIO, DriverMap, Fence } from '../drivers/driver.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { doneEvent, jobDone } from '../store/job-done.ts';
import { saveJobFiles } from '../store/job-files.ts';
import { createJobStore } from '../store/job-store.ts';
import type { DesiredStore } from '../store/desired-store.ts';
import type { RedisKeys } from '../store/keys.ts';
import type { LockReader } from '../store/lock-store.ts';
import type { SystemJobControl } from '../store/record-system-job.ts';
import type { ReleaseStore } from '../store/release-store.ts';
import { lineHead } from './app-line.ts';
import type { JobAbort } from './job-cancel.ts';
import type { JobEvent, JobOutcome } from './job-event.ts';
import type { JobStreamWriter } from './job-stream.ts';
import { createStatusSamples } from '../schedule/samples.ts';
import { createSummaryHistory } from '../schedule/summary-history.ts';
import type { ProcessorMap } from './processors/processor.ts';
import { lockedError, lockedNote } from './processors/refuse-if-locked.ts';

export interface RunJobDeps {
  redis: Redis;
  keys: RedisKeys;
  config: () => LoadedConfig;
  drivers: DriverMap;
  releases: ReleaseStore;
  /** Locks people hold with `lock`; mutating processors refuse to run while one is held. */
  locks: LockReader;
  processors: ProcessorMap;
  log: Logger;
  now: () => Date;
  /** Records jobs on behalf of the system, for processors that start other jobs. */
  systemJobs?: SystemJobControl;
  /** Desired replica counts (`scale` sets them, deploys keep them); without it deploys start the configured `replicas` and `scale` is refused. */
  desired?: DesiredStore;
  /** The crash hook of the kill -9 tests (`crashPoint`), handed to the driver as `io.checkpoint`. @defaultValue none */
  checkpoint?: DriverIO['checkpoint'];
  /** Where job and step durations are counted. @defaultValue none */
  metrics?: Pick<Metrics, 'stepEnded' | 'jobEnded' | 'jobWaited'>;
  /** Aborts when this process begins to stop: a job that would otherwise go on (a followed log) ends then. @defaultValue never */
  stopping?: AbortSignal;
}

/** The stores every job of a worker pool uses, made once per pool (a job's own cost stays small). */
const shared = new WeakMap<RunJobDeps, ReturnType<typeof makeShared>>();
const makeShared = (deps: RunJobDeps) => ({
  store: createJobStore(deps.redis, deps.keys),
  summaries: createSummaryHistory(deps.redis, deps.keys, 'jobs', (kind) => deps.processors[kind]?.mutates === false),
  samples: createStatusSamples(deps.redis, deps.keys, () => deps.now().getTime()),
});
function sharedOf(deps: RunJobDeps): ReturnType<typeof makeShared> {
  let made = shared.get(deps);
  if (!made) shared.set(deps, (made = makeShared(deps)));
  return made;
}

/** How a run ended, and whether the queue should try again. */
export type RunVerdict = { outcome: JobOutcome; retry: false } | { outcome: 'failed'; retry: true; error: Error };

/**
 * Runs one job's processor, writing its steps, log and final result to the job stream.
 * Maps failures once: a UserError (also one the signal was aborted with, e.g. a lost lock)
 * is shown as it is and never retried; a cancel says who cancelled; anything else gets a correlation id in the log and the chat, and is retried
 * while attempts remain. Knows nothing of BullMQ.
 */
export async function runJob(
  deps: RunJobDeps,
  data: JobData,
  writer: JobStreamWriter,
  cancel: JobAbort,
  attempt: { number: number; last: boolean; takeovers?: number },
  fence?: Fence,
): Promise<RunVerdict> {
  const at = () => deps.now().toISOString();
  // When each step went running, to time it once it is done or failed.
  const stepStarts = new Map<string, number>();
  const timeStep = (step: string, state: string) => {
    if (state === 'running') stepStarts.set(step, performance.now());
    const began = stepStarts.get(step);
    if ((state === 'done' || state === 'failed') && began !== undefined) {
      stepStarts.delete(step);
      deps.metrics?.stepEnded(data.kind, step, state, (performance.now() - began) / 1000);
    }
  };
  const io = new JobIO(
    (line) => writer.write({ type: 'log', at: at(), line }),
    (step, state) => {
      timeStep(step, state);
      writer.write({ type: 'step', at: at(), step, state });
    },
    deps.now,
    cancel,
  );
  if (fence) io.fence = fence;
  if (deps.checkpoint) io.checkpoint = deps.checkpoint;
  const done = (event: Extract<JobEvent, { type: 'done' }>) => writer.write(event);
  const { store, summaries, samples } = sharedOf(deps);
  try {
    const processor = deps.processors[data.kind];
    if (!processor)
      throw new UserError('unknown_job_kind', `this worker cannot run "${data.kind}" jobs (a newer voxoz queued it?); nothing was changed`);
    // A job that changes an app is refused while a person holds its lock, also one queued before the
    // lock was taken. A dry run changes nothing: it runs, and its plan says the app is locked.
    const lock = processor.mutates && data.app ? await deps.locks.get(data.app, data.env) : undefined;
    const dryRun = data.args['dry-run'] === true;
    if (lock && !dryRun) throw lockedError(lock);
    const result = await processor.run({
      data,
      io,
      config: deps.config(),
      drivers: deps.drivers,
      releases: deps.releases,
      locks: deps.locks,
      reserve: (name, make) => store.reserve(data.id, name, make),
      summaries,
      samples,
      ...(deps.systemJobs ? { systemJobs: deps.systemJobs } : {}),
      ...(deps.desired ? { desired: deps.desired } : {}),
      ...(attempt.takeovers ? { takeovers: attempt.takeovers } : {}),
      stopping: deps.stopping,
    });
    // A cancel that came once the change could no longer be undone (a deploy past its switch): said, not hidden.
    // A job that changes nothing and returns after a cancel ended by it (a followed log) or was done anyway.
    if (cancel.aborted && !isUserError(cancel.reason) && processor.mutates)
      io.log(`the cancel by ${cancelledBy(cancel)} came after this job had made its change, which it could no longer undo; it finished`);
    const { files, ...plain } = result;
    // A dry run does not wait for a change in progress (worker-pool.ts): its plan says it reads the state before it.
    const changing = dryRun && processor.mutates && data.app ? await lineHead(deps.redis, deps.keys, data) : undefined;
    const notes = [
      ...(lock && dryRun ? [{ label: 'locked', value: lockedNote(lock) }] : []),
      ...(changing && changing !== data.id
        ? [
            {
              label: 'running now',
              value: `job ${changing} is changing ${data.app} (${data.env}); this plan is of the state before it ends`,
            },
          ]
        : []),
    ];
    const shown = notes.length > 0 ? { ...plain, fields: [...(plain.fields ?? []), ...notes] } : plain;
    const attachments = files?.length ? await saveJobFiles(deps.redis, deps.keys, data.id, files) : undefined;
    done(doneEvent(at(), 'succeeded', { ...shown, ...(attachments ? { attachments } : {}) }));
    return { outcome: 'succeeded', retry: false };
  } catch (err) {
    // An abort with a UserError (a lost lock) is a failure that says why, not a cancel.
    const abortedWithError = cancel.aborted && isUserError(cancel.reason);
    const failure: unknown = abortedWithError ? cancel.reason : err;
    if (cancel.aborted && !abortedWithError) {
      done(jobDone.cancelled(at(), data.command, cancelledBy(cancel)));
      return { outcome: 'cancelled', retry: false };
    }
    if (isUserError(failure)) {
      io.log(`error: ${failure.message}`);
      done(jobDone.failed(at(), data.command, failure.message));
      return { outcome: 'failed', retry: false };
    }
    // The command's correlation id (the job's id): in the thread, the audit record and this log line.
    const ref = data.id;
    deps.log.error('job failed', { corr: ref, attempt: attempt.number, err });
    if (!attempt.last) {
      io.log(`attempt ${attempt.number} failed (ref ${ref}); retrying`);
      return { outcome: 'failed', retry: true, error: err as Error };
    }
    done(
      jobDone.failed(
        at(),
        data.command,
        `${describeFault(err, attempt.number)} (ref ${ref}); an operator can find the details in voxoz's log under that ref.`,
      ),
    );
    return { outcome: 'failed', retry: false };
  } finally {
    await writer.flush();
  }
}

/**
 * A job's DriverIO. Its signal is made only when a processor or driver asks for it (job-cancel.ts);
 * a class, since an object literal with a getter costs about a microsecond more to make. The
 * signal is on the prototype: a copy (`{ ...io, signal }`) must give a signal of its own.
 */
class JobIO implements DriverIO {
  fence?: Fence;
  checkpoint?: DriverIO['checkpoint'];
  readonly #cancel: JobAbort;
  constructor(
    readonly log: DriverIO['log'],
    readonly step: DriverIO['step'],
    readonly now: DriverIO['now'],
    cancel: JobAbort,
  ) {
    this.#cancel = cancel;
  }
  get signal(): AbortSignal {
    return this.#cancel.signal;
  }
}

/** Who cancelled: the reason a cancel aborts a job's signal with. */
const cancelledBy = (cancel: JobAbort) => (typeof cancel.reason === 'string' ? cancel.reason : 'someone');

/** What can safely be said about an unexpected failure: a connection fault is named, anything else is not. */
export function describeFault(err: unknown, attempts: number): string {
  const e = err as { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown };
  const tries = attempts === 1 ? 'once' : `${attempts} times`;
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.syscall === 'string') {
    const where = typeof e.address === 'string' ? ` ${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}` : '';
    return `voxoz could not reach a service it needs (${e.syscall} ${e.code}${where}); it tried ${tries}`;
  }
  return `voxoz hit an internal error; it tried ${tries}`;
}
