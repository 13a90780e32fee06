import { globMatches } from '../access/grants.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { appIn } from '../config/app-environment.ts';
import type { Schedule } from '../config/schedule-schema.ts';
import type { DriverMap } from '../drivers/driver.ts';
import type { Burst, DesiredStore } from '../store/desired-store.ts';
import type { LockReader, UserLock } from '../store/lock-store.ts';
import type { Release, ReleaseStore } from '../store/release-store.ts';
import type { ApprovalChange } from './approvals-since.ts';
import { type RestartCounts, restartCountsOf, restartsSince } from './restarts-since.ts';
import type { FailedJob, SummaryHistory } from './summary-history.ts';

/** One app environment as a summary reports it. */
export interface AppEnvState {
  app: string;
  env: string;
  /** The release serving now (the newest that went live). */
  live?: Release;
  /** The newest deploy, rollback or promotion, whatever came of it. */
  last?: Release;
  healthy: number;
  running: number;
  /** Desired replicas, a burst's included. */
  desired: number;
  burst?: Burst;
  lock?: UserLock;
  /** Jobs of this app environment that failed since the last summary. */
  failed: FailedJob[];
  /** Times its instances restarted (crashed and were started again) since the last summary; see restarts-since.ts. */
  restarts?: number;
  /** Why the engine state could not be read (no driver, engine down); counts as needing attention. */
  unreadable?: string;
}

export interface SummaryState {
  schedule: string;
  /** ISO time "since the last summary" starts. */
  since: string;
  rows: AppEnvState[];
  /** Releases made since then, oldest first. */
  releases: Release[];
  /** Failed jobs since then that left no release (scale, burst, status, …) or name no app, oldest first. */
  otherFailures: FailedJob[];
  /** Approvals decided since then, of the covered app environments (or naming no app), oldest first. */
  approvals?: ApprovalChange[];
  /** Every instance's restart count now, for the next summary to count from (an engine unreadable now leaves its instances out: the next summary counts their restarts whole). */
  restartCounts?: RestartCounts;
}

export interface GatherDeps {
  config: LoadedConfig;
  drivers: DriverMap;
  releases: Pick<ReleaseStore, 'list'>;
  locks: LockReader;
  desired?: DesiredStore;
  history: Pick<SummaryHistory, 'failedSince' | 'approvalsSince'>;
}

/** The app environments a schedule covers, in config order. */
export function coveredPairs(
  config: LoadedConfig,
  schedule: Pick<Schedule, 'apps' | 'envs'>,
): Array<{ app: LoadedConfig['apps'][number]; env: string }> {
  const any = (globs: ReadonlyArray<string>, name: string) => globs.some((g) => globMatches(g, name));
  return config.apps
    .filter((a) => any(schedule.apps, a.name))
    .flatMap((app) =>
      Object.keys(app.environments)
        .filter((env) => any(schedule.envs, env))
        .map((env) => ({ app: appIn(app, env), env })),
    );
}

/** Reads everything one summary shows, from the stores and the engines; read-only. */
export async function gatherSummary(
  deps: GatherDeps,
  schedule: Pick<Schedule, 'name' | 'apps' | 'envs'>,
  since: string,
  /** Restart counts the last scheduled summary stored; undefined before the first. */
  restartBaseline?: RestartCounts,
): Promise<SummaryState> {
  const pairs = coveredPairs(deps.config, schedule);
  const failed = await deps.history.failedSince(Date.parse(since));
  const decided = await deps.history.approvalsSince(Date.parse(since));
  const releases: Release[] = [];
  const restartCounts: RestartCounts = {};
  const rows = await Promise.all(
    pairs.map(async ({ app, env }): Promise<AppEnvState> => {
      const all = await deps.releases.list(app.name, env);
      const newestFirst = [...all].sort((a, b) => b.number - a.number);
      releases.push(...all.filter((r) => r.at >= since));
      const burst = await deps.desired?.burst(app.name, env);
      const base = deps.desired ? await deps.desired.get(app.name, env, app.replicas) : app.replicas;
      const lock = await deps.locks.get(app.name, env);
      const row: AppEnvState = {
        app: app.name,
        env,
        live: newestFirst.find((r) => r.outcome === 'live'),
        last: newestFirst[0],
        healthy: 0,
        running: 0,
        desired: base + (burst?.add ?? 0),
        failed: failed.filter((f) => f.app === app.name && f.env === env),
        ...(burst ? { burst } : {}),
        ...(lock ? { lock } : {}),
      };
      const driver = deps.drivers[app.runtime];
      if (!driver) return { ...row, unreadable: `no ${app.runtime} driver here` };
      try {
        const instances = await driver.status(app, env);
        const running = instances.filter((i) => i.state === 'running');
        Object.assign(restartCounts, restartCountsOf(instances));
        return {
          ...row,
          running: running.length,
          healthy: running.filter((i) => i.healthy !== false).length,
          restarts: restartsSince(instances, restartBaseline),
        };
      } catch (err) {
        return { ...row, unreadable: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  const covered = new Set(pairs.map((p) => `${p.app.name}:${p.env}`));
  const releaseJobs = new Set(releases.map((r) => r.jobId));
  const otherFailures = failed.filter((f) => !releaseJobs.has(f.id) && (!f.app || covered.has(`${f.app}:${f.env}`)));
  const approvals = decided.filter((a) => !a.app || covered.has(`${a.app}:${a.env}`));
  releases.sort((a, b) => a.at.localeCompare(b.at));
  return { schedule: schedule.name, since, rows, releases, otherFailures, approvals, restartCounts };
}
