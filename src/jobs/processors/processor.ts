import type { StatusSamples } from '../../schedule/samples.ts';
import type { LoadedConfig } from '../../config/load-config.ts';
import type { AppSpec } from '../../config/schema.ts';
import { appIn, hasEnvironment } from '../../config/app-environment.ts';
import type { JobData, Reply } from '../../core/types.ts';
import { UserError } from '../../core/user-error.ts';
import type { DriverIO, DriverMap, Driver } from '../../drivers/driver.ts';
import type { DesiredStore } from '../../store/desired-store.ts';
import type { LockReader } from '../../store/lock-store.ts';
import type { SummaryHistory } from '../../schedule/summary-history.ts';
import type { SystemJobControl } from '../../store/record-system-job.ts';
import type { ReleaseStore } from '../../store/release-store.ts';

export interface ProcessorContext {
  data: JobData;
  io: DriverIO;
  config: LoadedConfig;
  drivers: DriverMap;
  releases: ReleaseStore;
  /** Locks people hold with `lock` (runJob already refused a `mutates` job whose app+env is locked). */
  locks: LockReader;
  /** Failed jobs by time and where each schedule's last summary left off (the `summary` processor); undefined where none is wired. */
  summaries?: SummaryHistory;
  /** The samples the summary's chart is drawn from (src/schedule/samples.ts). */
  samples?: StatusSamples;
  /** A number kept for the job across retries (e.g. its release number), reserved once. */
  reserve(name: string, make: () => Promise<number>): Promise<number>;
  /**
   * Records and queues a job no chat command starts (a burst's scale-back: pass `thread:
   * data.thread`, an `id` derived from this job's and a `delayMs`); undefined where no queue is wired.
   */
  systemJobs?: SystemJobControl;
  /** Desired replica counts by app+env; undefined where none is wired (deploys then start the configured `replicas`). */
  desired?: DesiredStore;
  /** How many times a worker died running this job and another took it over (BullMQ's stalled count). @defaultValue 0 */
  takeovers?: number;
  /** Aborts when the worker's process begins to stop (RunJobDeps.stopping). */
  stopping?: AbortSignal | undefined;
}

export type JobResult = Omit<Reply, 'status' | 'buttons' | 'steps' | 'attachments'> & {
  /** What it reports needs a look (replicas missing or unhealthy): its parent is marked so rather than as succeeded. */
  attention?: true;
  /** Files to attach in the job's thread after its outcome (e.g. a PNG chart); kept in Redis until relayed. */
  files?: JobFile[];
};

/** A file a job produced, whole (small: a chart, not a log). */
export interface JobFile {
  name: string;
  contentType: string;
  data: Buffer;
}

export interface JobProcessor {
  /**
   * True when the job changes an app: such jobs take the app+env job lock, and are refused
   * while a person holds the app+env lock (`lock`), at dispatch and when they start.
   */
  mutates: boolean;
  run(ctx: ProcessorContext): Promise<JobResult>;
}

/**
 * Processors by job kind, as workers look them up: by the kind a queued job names, which may be
 * one this voxoz does not know. The literal is `processors` in ./index.ts.
 */
export type ProcessorMap = Readonly<Record<string, JobProcessor | undefined>>;

/**
 * The app as configured now (it may have been removed since the command was queued); given
 * `env`, as it runs there (its own replicas and variables, config/app-environment.ts).
 */
export function findApp(config: LoadedConfig, name: string | undefined, env?: string): AppSpec {
  const app = config.apps.find((a) => a.name === name);
  if (!app) throw new UserError('app_not_found', `there is no app named "${name}" in ${config.file}`);
  return env === undefined ? app : appIn(app, env);
}

/** The environment named by the command, as configured for the app. */
export function checkEnvironment(app: AppSpec, env: string): void {
  if (!hasEnvironment(app, env)) {
    throw new UserError(
      'environment_not_found',
      `${app.name} has no environment "${env}" in voxoz.yml (it has: ${Object.keys(app.environments).join(', ')}); add it under apps[].environments with its own port`,
    );
  }
}

export function driverFor(drivers: DriverMap, app: AppSpec): Driver {
  const driver = drivers[app.runtime];
  if (!driver)
    throw new UserError(
      'runtime_unavailable',
      `${app.name} uses the ${app.runtime} runtime, which this voxoz has no driver for yet (available: ${Object.keys(drivers).join(', ')})`,
    );
  return driver;
}
