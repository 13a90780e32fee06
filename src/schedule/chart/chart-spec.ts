import type { TopLevelSpec } from 'vega-lite';
import type { AppSeries } from './daily-series.ts';
import { rankSeries } from './rank-series.ts';

/** Panels drawn at most; the rest of the fleet is one line of totals in the subtitle. @defaultValue 12 */
export const MAX_PANELS = 12;
/** Panels per row. @defaultValue 3 */
export const COLUMNS = 3;
export const PANEL = { width: 330, height: 110 };
/** The family every text mark uses; render-chart loads exactly this font (no fontconfig). */
export const FONT_FAMILY = 'DejaVu Sans';

const COLORS = { deploys: '#4c78a8', failures: '#e45756', health: '#2ca02c' };

/**
 * A Vega-Lite spec: one panel per app+env (the `MAX_PANELS` that most need attention, in that
 * order), bars of deploys and failures per day on the left axis, the day's lowest healthy ratio
 * as a line with points on the right axis (0–100%). Days without a health sample leave a gap.
 */
export function chartSpec(series: readonly AppSeries[], title: string): TopLevelSpec {
  const { shown, rest } = rankSeries(series, MAX_PANELS);
  const rows = shown.flatMap((s, rank) => {
    const panel = `${s.app} · ${s.env}`;
    return s.days.flatMap((d) => [
      { panel, rank, day: d.day.slice(5), kind: 'deploys', count: d.deploys },
      { panel, rank, day: d.day.slice(5), kind: 'failures', count: d.failures },
      { panel, rank, day: d.day.slice(5), kind: 'health', ratio: d.health },
    ]);
  });
  const subtitle =
    rest.apps > 0
      ? `+${rest.apps} more not shown: ${rest.deploys} deploys, ${rest.failures} failures, lowest health ${percent(rest.health)}`
      : '';
  const x = { field: 'day', type: 'ordinal', title: 'day', axis: { labelAngle: -45 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, anchor: 'start', fontSize: 16 },
    background: 'white',
    padding: 12,
    config: { font: FONT_FAMILY, view: { stroke: '#ddd' } },
    data: { values: rows },
    facet: {
      field: 'panel',
      type: 'nominal',
      title: null,
      sort: { field: 'rank', op: 'min' },
      header: { labelFontSize: 13, labelFontWeight: 'bold' },
    },
    columns: COLUMNS,
    spec: {
      width: PANEL.width,
      height: PANEL.height,
      layer: [
        {
          transform: [{ filter: "datum.kind !== 'health'" }],
          mark: 'bar',
          encoding: {
            x,
            xOffset: { field: 'kind' },
            // Whole numbers, on an axis of at least 0–1: a fortnight with no jobs yet reads "0", "1", not "0.000000".
            y: {
              field: 'count',
              type: 'quantitative',
              title: 'jobs per day',
              scale: { domain: { unionWith: [0, 1] } },
              axis: { tickMinStep: 1, format: 'd' },
            },
            color: {
              field: 'kind',
              type: 'nominal',
              title: null,
              scale: { domain: ['deploys', 'failures', 'lowest healthy %'], range: [COLORS.deploys, COLORS.failures, COLORS.health] },
            },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'health'" }],
          mark: { type: 'line', point: true, color: COLORS.health },
          encoding: {
            x,
            y: {
              field: 'ratio',
              type: 'quantitative',
              title: 'healthy replicas',
              scale: { domain: [0, 1] },
              axis: { format: '.0%', orient: 'right' },
            },
          },
        },
      ],
      resolve: { scale: { y: 'independent' } },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

const percent = (ratio: number | null) => (ratio === null ? 'n/a' : `${Math.round(ratio * 100)}%`);
