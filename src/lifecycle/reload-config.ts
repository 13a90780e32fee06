import { ConfigError, loadConfig, type LoadedConfig } from '../config/load-config.ts';

export type ReloadResult =
  | {
      ok: true;
      file: string;
      changed: string[];
      needsRestart: string[];
      /** Apps in the old file and not in the new: voxoz stops managing them but leaves them running. */
      removed: string[];
    }
  | { ok: false; file: string; problems: string[] };

/** Settings a running process cannot change: it built its worker pool and queue with them. */
const RESTART_KEYS = ['worker'] as const;

const appsByName = (c: LoadedConfig) => new Map(c.apps.map((a) => [a.name, JSON.stringify(a)]));

/** Apps in `before` that `after` no longer has. */
function removedApps(before: LoadedConfig, after: LoadedConfig): string[] {
  const now = appsByName(after);
  return before.apps.map((a) => a.name).filter((name) => !now.has(name));
}

/** What differs between two configs, app by app and section by section, for the reload message. */
function describeChanges(before: LoadedConfig, after: LoadedConfig): string[] {
  const [was, now] = [appsByName(before), appsByName(after)];
  const out: string[] = [];
  for (const [name, spec] of now)
    out.push(...(!was.has(name) ? [`app ${name} added`] : was.get(name) !== spec ? [`app ${name} changed`] : []));
  for (const name of removedApps(before, after)) out.push(`app ${name} removed`);
  if (JSON.stringify(before.chat) !== JSON.stringify(after.chat)) out.push('chat changed');
  if (JSON.stringify(before.schedules) !== JSON.stringify(after.schedules)) out.push('schedules changed');
  return out;
}

/**
 * Re-reads voxoz.yml (SIGHUP, `voxoz reload`). The new file is validated first: when it is
 * invalid the running config stays and the problems are returned. Apps and chat settings apply
 * at once (every job reads the config when it runs); `worker` settings keep their running
 * values and are named as needing a restart.
 */
export function reloadConfig(current: LoadedConfig): { config: LoadedConfig; result: ReloadResult } {
  let next: LoadedConfig;
  try {
    next = loadConfig(current.file);
  } catch (err) {
    if (err instanceof ConfigError) return { config: current, result: { ok: false, file: current.file, problems: err.problems } };
    throw err;
  }
  const needsRestart = RESTART_KEYS.filter((k) => JSON.stringify(current[k]) !== JSON.stringify(next[k])).map(
    (k) => `${k} (running with ${JSON.stringify(current[k])})`,
  );
  const config = Object.freeze({ ...next, worker: current.worker });
  return {
    config,
    result: {
      ok: true,
      file: current.file,
      changed: describeChanges(current, next),
      needsRestart,
      removed: removedApps(current, next),
    },
  };
}

/** One line for a log or a terminal. */
export function describeReload(result: ReloadResult): string {
  if (!result.ok)
    return `${result.file} was not reloaded; the running config stays. Fix:\n${result.problems.map((p) => `  - ${p}`).join('\n')}`;
  const changed = result.changed.length > 0 ? result.changed.join(', ') : 'no app or chat changes';
  const restart = result.needsRestart.length > 0 ? `; restart voxoz to apply ${result.needsRestart.join(', ')}` : '';
  const { removed } = result;
  // voxoz stops managing a removed app; it does not stop it (a line deleted by mistake must not take an app down).
  const left =
    removed.length > 0
      ? `. voxoz no longer shows, watches or changes ${removed.join(', ')}, but what ${removed.length === 1 ? 'it still runs keeps' : 'they still run keeps'} running and holding its address (an address that serves nothing is freed now): to stop ${removed.length === 1 ? 'it' : 'one'}, put it back, run "scale <app> 0" in each environment, then remove it`
      : '';
  return `reloaded ${result.file}: ${changed}${restart}${left}`;
}
