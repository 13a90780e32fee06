import type { LoadedConfig } from '../../config/load-config.ts';
import { UserError } from '../../core/user-error.ts';
import { closestWord } from '../../dispatch/closest-word.ts';
import { shownAs } from '../../access/grants.ts';
import { formatSummary } from '../../schedule/format-summary.ts';
import { statusChart } from '../../schedule/chart/status-chart.ts';
import { gatherSummary } from '../../schedule/gather-summary.ts';
import { recordSummarySamples } from '../../schedule/record-summary-samples.ts';
import type { JobProcessor } from './processor.ts';

/** How far back the first summary of a schedule looks. @defaultValue 24 h */
export const FIRST_SUMMARY_WINDOW_MS = 24 * 3600 * 1000;

/** What is wrong with running the schedule `name` (voxoz.yml has none of that name), or undefined. */
export function scheduleProblem(config: LoadedConfig, name: string): string | undefined {
  if (config.schedules.some((s) => s.name === name)) return undefined;
  const names = config.schedules.map((s) => s.name);
  const near = closestWord(name, names);
  return `there is no schedule named "${name}" in ${config.file}${near ? `; did you mean "${near}"?` : ''} (it has: ${names.join(', ') || 'none'})`;
}

/**
 * summary <schedule>: what runs, what is wrong and what changed since that schedule's last
 * summary, for the apps and environments it covers. The verdict and a compact text are the
 * parent message; every change and app environment is a line in the thread. Only a scheduled
 * run (`args.tick`, from schedule-ticks.ts) moves "since the last summary"; `schedule run`
 * shows the same window and leaves it.
 */
export const summaryProcessor: JobProcessor = {
  mutates: false,
  async run({ data, io, config, drivers, releases, locks, desired, summaries, samples }) {
    const name = String(data.args.schedule ?? '');
    const schedule = config.schedules.find((s) => s.name === name);
    if (!schedule) throw new UserError('schedule_not_found', scheduleProblem(config, name) ?? name);
    if (!summaries) throw new Error('this worker has no summary history wired');
    const now = io.now();
    const since = (await summaries.mark(name)) ?? new Date(now.getTime() - FIRST_SUMMARY_WINDOW_MS).toISOString();
    // Restarts count from the last scheduled summary's counts, as "since" counts from its mark.
    const baseline = await summaries.restartCounts(name);
    const state = await gatherSummary({ config, drivers, releases, locks, desired, history: summaries }, schedule, since, baseline);
    const { result, details } = formatSummary(state, now, (id) => shownAs(config, id));
    for (const line of details) io.log(line);
    if (typeof data.args.tick === 'string') await summaries.setMark(name, now.toISOString(), state.restartCounts ?? {});
    if (!samples) return result;
    // The chart of the last 14 days, this summary's samples included; the text stands without it.
    await recordSummarySamples(samples, state, now.getTime());
    try {
      const chart = await statusChart(samples, state.rows, { now: now.getTime(), timeZone: schedule.timezone });
      return { ...result, files: [chart] };
    } catch (err) {
      io.log(`the chart could not be drawn: ${(err as Error).message}`);
      return result;
    }
  },
};
