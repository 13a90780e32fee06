import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { slackRelayLimits } from '../../adapters/slack/slack-limits.ts';
import { createSlackSurface } from '../../adapters/slack/slack-surface.ts';
import { finalMessageLatency } from '../../bench/final-message.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { createMetrics, type Metrics } from '../../src/observability/metrics.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { C, shown } from '../fixtures/slack/e2e-helpers.ts';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';

/**
 * A job's outcome shows in its parent as soon as the job ends: the relay's pacing interval does
 * not hold the final edit back while the platform has room for it, and a 429 that binds still does.
 */
describe('the final edit of a job', () => {
  let sim: SlackSimulator;
  beforeEach(async () => {
    sim = await startSlackSimulator();
  });
  afterEach(async () => {
    expect(sim.errors).toEqual([]);
    await sim.close();
  });
  const run = (limits = slackRelayLimits, metrics?: Metrics) => {
    const surface = createSlackSurface({ botToken: sim.botToken, apiUrl: sim.apiUrl, log: silentLogger, limits });
    return finalMessageLatency({
      redisUrl: inject('redisUrl'),
      keys: redisKeys(`test-${randomUUID().slice(0, 8)}`),
      surface: metrics ? metrics.instrumentSurface(surface) : surface,
      channel: C,
      shown: () => {
        const parent = sim.messages(C).find((m) => m.text !== 'spent');
        return parent ? shown(parent) : undefined;
      },
      log: silentLogger,
      jobId: `final-${randomUUID().slice(0, 8)}`,
    });
  };

  it('is not held back until the next pacing tick', async () => {
    // A 60 s pace: before the fix the outcome showed only once it had passed.
    const { endToShownMs } = await run({ ...slackRelayLimits, intervalMs: () => 60_000 });
    expect(endToShownMs).toBeLessThan(30_000);
    expect(sim.breaches()).toBe(0);
  }, 40_000);

  it('waits out a 429 that binds', async () => {
    // One chat.update token, refilled every 5 s, spent just before the job: the final edit is refused once.
    sim.setRateLimits({ update: { burst: 1, perMinute: 12 } });
    const spend = surfaceClient(sim);
    const posted = await spend.chat.postMessage({ channel: C, text: 'spend' });
    await spend.chat.update({ channel: C, ts: posted.ts!, text: 'spent' });
    // Counted as the relay's calls are in /metrics: the refused edit as rate_limited, the retry as ok.
    const metrics = createMetrics();
    const { endToShownMs } = await run(slackRelayLimits, metrics);
    expect(sim.breaches('chat.update')).toBe(1);
    expect(endToShownMs).toBeGreaterThanOrEqual(900);
    const calls = (await metrics.registry.getSingleMetric('voxoz_chat_api_calls_total')!.get()).values;
    const count = (method: string, outcome: string) =>
      calls.find((v) => v.labels.platform === 'slack' && v.labels.method === method && v.labels.outcome === outcome)?.value;
    expect(count('updateParent', 'rate_limited')).toBe(1);
    expect(count('updateParent', 'ok')).toBeGreaterThanOrEqual(1);
    expect(count('postParent', 'ok')).toBe(1);
  }, 40_000);
});

const surfaceClient = (sim: SlackSimulator) => createSlackSurface({ botToken: sim.botToken, apiUrl: sim.apiUrl, log: silentLogger }).client;
