import { describe, expect, it } from 'vitest';
import { chartSpec, MAX_PANELS } from '../../src/schedule/chart/chart-spec.ts';
import { dailySeries, lastDays } from '../../src/schedule/chart/daily-series.ts';
import { rankSeries } from '../../src/schedule/chart/rank-series.ts';
import type { AppSamples } from '../../src/schedule/samples.ts';

const at = (iso: string) => Date.parse(iso);

describe('the chart counts per calendar day in the schedule time zone', () => {
  it('names 14 days ending today, across a DST change without skipping or repeating a day', () => {
    // Kyiv leaves summer time on 2026-10-25 (a 25-hour day); 23:30 local on 10-26 is 21:30Z.
    expect(lastDays(at('2026-10-26T21:30:00Z'), 'Europe/Kyiv', 3)).toEqual(['2026-10-24', '2026-10-25', '2026-10-26']);
    // Summer time starts 2026-03-29 (a 23-hour day); 00:30 local on 03-30 is 21:30Z on 03-29.
    expect(lastDays(at('2026-03-29T21:30:00Z'), 'Europe/Kyiv', 3)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    const days = lastDays(at('2026-12-03T08:00:00Z'), 'UTC');
    expect(days).toHaveLength(14);
    expect([days[0], days[13]]).toEqual(['2026-11-20', '2026-12-03']);
  });

  it('buckets deploys and failures by local day, keeps the lowest health ratio, and skips desired 0', () => {
    const web: AppSamples = {
      app: 'web',
      env: 'production',
      samples: [
        { kind: 'deploy', at: at('2026-12-02T21:30:00Z'), id: 'a' }, // 23:30 Kyiv, 12-02
        { kind: 'deploy', at: at('2026-12-02T22:30:00Z'), id: 'b' }, // 00:30 Kyiv, 12-03
        { kind: 'failure', at: at('2026-12-03T06:00:00Z'), id: 'c' },
        { kind: 'health', at: at('2026-12-03T06:00:00Z'), healthy: 3, desired: 3 },
        { kind: 'health', at: at('2026-12-03T06:30:00Z'), healthy: 1, desired: 4 },
        { kind: 'health', at: at('2026-12-02T06:00:00Z'), healthy: 0, desired: 0 },
        { kind: 'deploy', at: at('2026-11-01T06:00:00Z'), id: 'old' },
      ],
    };
    const [series] = dailySeries([web], at('2026-12-03T08:00:00Z'), 'Europe/Kyiv');
    expect(series!.days).toHaveLength(14);
    expect(series!.days.slice(-2)).toEqual([
      { day: '2026-12-02', deploys: 1, failures: 0, health: null },
      { day: '2026-12-03', deploys: 1, failures: 1, health: 0.25 },
    ]);
    expect(series!.days.reduce((n, d) => n + d.deploys, 0)).toBe(2);
  });
});

describe('a large fleet is charted as the panels that need a look plus one line for the rest', () => {
  const fleet = (n: number): AppSamples[] =>
    Array.from({ length: n }, (_, i) => ({
      app: `app-${String(i).padStart(2, '0')}`,
      env: 'production',
      samples: [
        { kind: 'deploy', at: at('2026-12-03T06:00:00Z'), id: `d${i}` },
        ...(i === 41 ? [{ kind: 'failure' as const, at: at('2026-12-03T06:00:00Z'), id: 'f' }] : []),
        { kind: 'health' as const, at: at('2026-12-03T06:00:00Z'), healthy: i === 57 ? 1 : 2, desired: 2 },
      ],
    }));

  it('60 apps: 12 panels, failing first, then least healthy, then by name; 48 summed in the subtitle', () => {
    const series = dailySeries(fleet(60), at('2026-12-03T08:00:00Z'), 'UTC');
    const { shown, rest } = rankSeries(series, MAX_PANELS);
    expect(shown.map((s) => s.app).slice(0, 4)).toEqual(['app-41', 'app-57', 'app-00', 'app-01']);
    expect(shown).toHaveLength(12);
    expect(rest).toEqual({ apps: 48, deploys: 48, failures: 0, health: 1 });
    const spec = chartSpec(series, 'status') as { title: { subtitle: string }; data: { values: Array<{ panel: string }> } };
    expect(spec.title.subtitle).toBe('+48 more not shown: 48 deploys, 0 failures, lowest health 100%');
    expect(new Set(spec.data.values.map((v) => v.panel)).size).toBe(12);
  });

  it('a fleet that fits has no "more" line', () => {
    const spec = chartSpec(dailySeries(fleet(3), at('2026-12-03T08:00:00Z'), 'UTC'), 'status') as { title: { subtitle: string } };
    expect(spec.title.subtitle).toBe('');
  });
});
