import type { AppSamples } from '../samples.ts';

/** One calendar day of one app+env, as the chart draws it. */
export interface DayPoint {
  /** `YYYY-MM-DD` in the chart's time zone. */
  day: string;
  deploys: number;
  failures: number;
  /** Lowest healthy/desired seen that day (0..1); null when nothing was sampled. */
  health: number | null;
}

export interface AppSeries {
  app: string;
  env: string;
  days: DayPoint[];
}

/** Calendar date of `ms` in `timeZone`, as `YYYY-MM-DD` (en-CA formats dates that way). */
const dayOf = (timeZone: string) => {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (ms: number) => format.format(ms);
};

/**
 * The `count` calendar days ending with the day of `nowMs`, oldest first. Calendar arithmetic,
 * not 24-hour steps, so a 23- or 25-hour day at a DST change is neither skipped nor repeated.
 */
export function lastDays(nowMs: number, timeZone: string, count = 14): string[] {
  const [y, m, d] = dayOf(timeZone)(nowMs).split('-').map(Number) as [number, number, number];
  return Array.from({ length: count }, (_, i) => new Date(Date.UTC(y, m - 1, d - (count - 1 - i))).toISOString().slice(0, 10));
}

/**
 * Buckets each app's samples into the last `count` days. A day's health is its *lowest* ratio:
 * the chart is there to show dips, and a mean of many healthy instants would hide one.
 * A sample with `desired` 0 says nothing about health and is left out.
 */
export function dailySeries(apps: readonly AppSamples[], nowMs: number, timeZone: string, count = 14): AppSeries[] {
  const days = lastDays(nowMs, timeZone, count);
  const toDay = dayOf(timeZone);
  return apps.map(({ app, env, samples }) => {
    const byDay = new Map(days.map((day) => [day, { day, deploys: 0, failures: 0, health: null } as DayPoint]));
    for (const s of samples) {
      const point = byDay.get(toDay(s.at));
      if (!point) continue;
      if (s.kind !== 'health') {
        if (s.kind === 'deploy') point.deploys++;
        else point.failures++;
      } else if (s.desired > 0) {
        const ratio = Math.min(1, s.healthy / s.desired);
        point.health = point.health === null ? ratio : Math.min(point.health, ratio);
      }
    }
    return { app, env, days: [...byDay.values()] };
  });
}
