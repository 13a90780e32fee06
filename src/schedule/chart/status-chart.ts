import type { JobFile } from '../../jobs/processors/processor.ts';
import type { StatusSamples } from '../samples.ts';
import { dailySeries, lastDays } from './daily-series.ts';
import { renderChart } from './render-chart.ts';

export interface StatusChartOptions {
  /** Epoch ms the chart ends at (today, in `timeZone`, is its last day). */
  now: number;
  /** IANA zone whose calendar days the chart counts: the schedule's own. */
  timeZone: string;
  title?: string;
  fontFile?: string;
}

/**
 * The summary's attachment: the last 14 days of `targets` read from the samples store and
 * rendered as `status-<last day>.png`. Throws if the chart font cannot draw (see chart-font.ts);
 * a summary should still post its text then, and log the error.
 */
export async function statusChart(
  samples: StatusSamples,
  targets: ReadonlyArray<{ app: string; env: string }>,
  options: StatusChartOptions,
): Promise<JobFile> {
  const days = lastDays(options.now, options.timeZone);
  // 15 × 24 h always covers 14 calendar days in any zone, DST included; dailySeries drops the excess.
  const series = dailySeries(await samples.lastDays(targets, 15), options.now, options.timeZone);
  const title = options.title ?? `Last 14 days: ${days[0]} to ${days.at(-1)} (${options.timeZone})`;
  const data = await renderChart(series, { title, ...(options.fontFile ? { fontFile: options.fontFile } : {}) });
  return { name: `status-${days.at(-1)}.png`, contentType: 'image/png', data };
}
