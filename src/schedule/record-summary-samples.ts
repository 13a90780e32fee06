import type { SummaryState } from './gather-summary.ts';
import type { StatusSamples } from './samples.ts';

/**
 * What a summary saw, kept for the chart: each covered app environment's healthy/desired now,
 * and the deploys (went live) and failures (a failed release or failed job) since the last
 * summary, each by its job id so a second summary over the same window counts them once.
 */
export async function recordSummarySamples(samples: StatusSamples, state: SummaryState, now: number): Promise<void> {
  for (const row of state.rows) {
    if (!row.unreadable) await samples.record(row.app, row.env, { kind: 'health', at: now, healthy: row.healthy, desired: row.desired });
    for (const f of row.failed) await samples.record(row.app, row.env, { kind: 'failure', at: Date.parse(f.at), id: f.id });
  }
  for (const r of state.releases) {
    if (r.outcome === 'cancelled') continue;
    await samples.record(r.app, r.env, { kind: r.outcome === 'live' ? 'deploy' : 'failure', at: Date.parse(r.at), id: r.jobId });
  }
}
