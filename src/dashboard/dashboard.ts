import type { LoadedConfig } from '../config/load-config.ts';
import type { Clock } from '../core/clock.ts';
import type { JobSummary } from '../dispatch/job-reader.ts';
import type { DriverMap } from '../drivers/driver.ts';
import type { JobFile } from '../jobs/processors/processor.ts';
import { type AppEnvState, gatherSummary } from '../schedule/gather-summary.ts';
import { statusChart } from '../schedule/chart/status-chart.ts';
import type { StatusSamples } from '../schedule/samples.ts';
import type { SummaryHistory } from '../schedule/summary-history.ts';
import { burstOverdue } from '../jobs/processors/burst.ts';
import type { DesiredStore } from '../store/desired-store.ts';
import type { LockReader } from '../store/lock-store.ts';
import type { ReleaseStore } from '../store/release-store.ts';

/** What the web console's dashboard shows: every app environment now, and the jobs running or waiting. */
export interface DashboardView {
  at: string;
  /**
   * Per app environment: live release, replicas healthy/running vs desired, burst (`burstOverdue`
   * when its scale-back did not run), lock, failures of the last 24 h.
   */
  rows: Array<AppEnvState & { burstOverdue?: true }>;
  jobs: JobSummary[];
  /** Completions for the command box: each verb, and each verb that takes an app with each app's name. */
  completions: string[];
  /** The local channels whose threads the console shows: commands' own, those schedules post to, and the system channel (alerts, scale-backs). */
  channels: string[];
}

/** Most completions offered. @defaultValue 400 */
const COMPLETIONS_MAX = 400;

export interface Dashboard {
  read(): Promise<DashboardView>;
  /** The last 14 days of every app environment (the scheduled summaries' chart, UTC days). */
  chart(): Promise<JobFile>;
}

/** The same reads a scheduled summary makes (gather-summary.ts), over every app environment, on demand. */
export function createDashboard(deps: {
  config: () => LoadedConfig;
  drivers: DriverMap;
  releases: Pick<ReleaseStore, 'list'>;
  locks: LockReader;
  desired?: DesiredStore;
  history: Pick<SummaryHistory, 'failedSince' | 'approvalsSince'>;
  samples: StatusSamples;
  jobs: { list(filter: { limit?: number }): Promise<JobSummary[]> };
  /** The commands' specs: their names, and whether their first argument is an app. */
  commands: ReadonlyArray<{ name: string; args: ReadonlyArray<{ type: string }> }>;
  now: Clock;
}): Dashboard {
  const everything = { name: 'dashboard', apps: ['*'], envs: ['*'] };
  return {
    async read() {
      const now = deps.now();
      const since = new Date(now.getTime() - 24 * 3600 * 1000).toISOString();
      const [state, jobs] = await Promise.all([
        gatherSummary(
          {
            config: deps.config(),
            drivers: deps.drivers,
            releases: deps.releases,
            locks: deps.locks,
            ...(deps.desired ? { desired: deps.desired } : {}),
            history: deps.history,
          },
          everything,
          since,
        ),
        deps.jobs.list({ limit: 50 }),
      ]);
      const apps = deps.config().apps.map((a) => a.name);
      const completions = deps.commands.flatMap((c) => [c.name, ...(c.args[0]?.type === 'app' ? apps.map((a) => `${c.name} ${a}`) : [])]);
      const config = deps.config();
      const scheduled = (config.schedules ?? []).filter((s) => s.target.platform === 'local').map((s) => s.target.channel);
      const system = config.chat.systemChannel.local;
      return {
        at: now.toISOString(),
        rows: state.rows.map((r) => (r.burst && burstOverdue(r.burst, now) ? { ...r, burstOverdue: true as const } : r)),
        jobs,
        completions: completions.slice(0, COMPLETIONS_MAX),
        channels: [...new Set(['local', ...scheduled, ...(system ? [system] : [])])],
      };
    },
    chart() {
      const config = deps.config();
      const targets = config.apps.flatMap((app) => Object.keys(app.environments).map((env) => ({ app: app.name, env })));
      return statusChart(deps.samples, targets, { now: deps.now().getTime(), timeZone: 'UTC' });
    },
  };
}
