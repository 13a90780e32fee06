import type { AlertRules } from '../config/alert-schema.ts';
import type { IncidentKind, Signal } from './incident-store.ts';

/** What is true of one live app environment now, as the engine and the stores report it. */
export interface AppFacts {
  now: number;
  running: number;
  unhealthy: number;
  desired: number;
  signals: ReadonlyArray<Signal>;
  /** When each open incident opened (ms), to count what happened since. */
  openedAt: Partial<Record<IncidentKind, number>>;
  /** When each kind's last incident closed (ms): what happened before it opens no new one. */
  closedAt: Partial<Record<IncidentKind, number>>;
  /** Since when (ms) fewer replicas than desired run / one is unhealthy, as this process has seen it. */
  shortSince?: number;
  unhealthySince?: number;
  /** Since when (ms) the app has run at its desired count, all healthy, as this process has seen it. */
  healthySince?: number;
}

export interface Assessment {
  /** Each kind's condition holds (an incident of it should be open), with its summary. */
  active: Partial<Record<IncidentKind, string>>;
  /** What each kind's open incident says now (its message is edited when this changes). */
  summaries: Record<IncidentKind, string>;
  /** Healthy at the desired count with no exit for `stableSeconds`: open incidents close. */
  recovered: boolean;
  /** How the app stands, for the closing line. */
  standing: string;
}

/** An exit that follows an OOM kill of the same replica within this long is the kill's, not a crash. */
const OOM_EXIT_MS = 5000;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * Decides which incidents a live app environment has, from facts alone (pure, tested with
 * tables): an OOM kill in the last `stableSeconds`; `crashLoop.dies` exits (not OOM kills) within
 * `crashLoop.withinSeconds`; an unhealthy replica, or fewer replicas than desired with no exit
 * in between, for `graceSeconds` (a deploy or a scale passes within it; a crash loop is counted
 * as one). Recovery: at the desired count, all healthy, no exit or kill, for `stableSeconds`.
 */
export function assessApp(rules: AlertRules, f: AppFacts): Assessment {
  const windowMs = rules.crashLoop.withinSeconds * 1000;
  const stableMs = rules.stableSeconds * 1000;
  const graceMs = rules.graceSeconds * 1000;
  const ooms = f.signals.filter((s) => s.type === 'oom');
  const oomExit = (d: Signal) => ooms.some((o) => o.replica === d.replica && d.at >= o.at - 1000 && d.at - o.at <= OOM_EXIT_MS);
  const crashes = f.signals.filter((s) => s.type === 'died' && !oomExit(s));
  const standing = `${f.running}/${f.desired} running${f.unhealthy ? `, ${f.unhealthy} unhealthy` : ''}`;
  // An open incident counts from before it opened; a new one what its own rule looks at.
  const after = (kind: IncidentKind, from: number) => Math.max(from, (f.closedAt[kind] ?? 0) + 1);
  const crashFrom = f.openedAt['crash-loop'] !== undefined ? f.openedAt['crash-loop'] - windowMs : after('crash-loop', f.now - windowMs);
  const oomFrom = f.openedAt.oom !== undefined ? f.openedAt.oom - stableMs : after('oom', f.now - stableMs);
  const counted = crashes.filter((c) => c.at >= crashFrom);
  const lastCrash = counted[counted.length - 1];
  const oomsCounted = ooms.filter((o) => o.at >= oomFrom);
  const lastTrouble = Math.max(0, ...f.signals.map((s) => s.at));

  // Summaries change only when what happened changes, never with the passing of time: each change is an edit.
  // A crash loop's running count flaps with every restart, so its summary counts exits; the close says how it stands.
  const summaries: Record<IncidentKind, string> = {
    'crash-loop': `${plural(counted.length, 'exit')} since ${clock(counted[0]?.at ?? f.now)} UTC${lastCrash ? `, last exit code ${lastCrash.exitCode}` : ''}`,
    oom: `OOM-killed ${plural(oomsCounted.length, 'time')}`,
    unhealthy: `${f.unhealthy} of ${f.running} replicas unhealthy`,
    replicas: `${f.running} of ${f.desired} replicas running`,
  };
  const active: Partial<Record<IncidentKind, string>> = {};
  if (oomsCounted.length > 0) active.oom = summaries.oom;
  if (counted.length >= rules.crashLoop.dies) active['crash-loop'] = summaries['crash-loop'];
  if (f.unhealthy > 0 && f.unhealthySince !== undefined && f.now - f.unhealthySince >= graceMs) active.unhealthy = summaries.unhealthy;
  if (f.running < f.desired && f.shortSince !== undefined && f.now - Math.max(f.shortSince, lastTrouble) >= graceMs)
    active.replicas = summaries.replicas;
  const recovered =
    f.running >= f.desired &&
    f.unhealthy === 0 &&
    f.healthySince !== undefined &&
    f.now - f.healthySince >= stableMs &&
    f.now - lastTrouble >= stableMs;
  return { active, summaries, recovered, standing };
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
