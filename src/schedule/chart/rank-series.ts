import type { AppSeries } from './daily-series.ts';

/** Totals of the app environments that did not get a panel. */
export interface RestTotals {
  apps: number;
  deploys: number;
  failures: number;
  /** Lowest healthy ratio among them over the window; null when none was sampled. */
  health: number | null;
}

const totals = (s: AppSeries) => ({
  deploys: s.days.reduce((n, d) => n + d.deploys, 0),
  failures: s.days.reduce((n, d) => n + d.failures, 0),
  health: s.days.reduce<number | null>((low, d) => (d.health === null ? low : low === null ? d.health : Math.min(low, d.health)), null),
});

/**
 * The `max` series that most need a look, in that order: most failures, then lowest health,
 * then most deploys, then by name (so equal fleets always chart the same way). The rest are
 * summed, so a fleet of any size makes a chart of bounded size that still says what it left out.
 */
export function rankSeries(series: readonly AppSeries[], max: number): { shown: AppSeries[]; rest: RestTotals } {
  const ranked = series
    .map((s) => ({ s, t: totals(s) }))
    .sort(
      (a, b) =>
        b.t.failures - a.t.failures ||
        (a.t.health ?? 1) - (b.t.health ?? 1) ||
        b.t.deploys - a.t.deploys ||
        `${a.s.app}:${a.s.env}`.localeCompare(`${b.s.app}:${b.s.env}`),
    );
  const rest: RestTotals = { apps: 0, deploys: 0, failures: 0, health: null };
  for (const { t } of ranked.slice(max)) {
    rest.apps++;
    rest.deploys += t.deploys;
    rest.failures += t.failures;
    if (t.health !== null) rest.health = rest.health === null ? t.health : Math.min(rest.health, t.health);
  }
  return { shown: ranked.slice(0, max).map(({ s }) => s), rest };
}
