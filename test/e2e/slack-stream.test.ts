import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSlackSurface } from '../../adapters/slack/slack-surface.ts';
import { slackRelayLimits } from '../../adapters/slack/slack-limits.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { streamSlackBuild as streamBuild } from '../../bench/slack-stream-build.ts';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';
import { C, shown } from '../fixtures/slack/e2e-helpers.ts';

/**
 * A 10,000-line build through the real relay and the real Slack surface into the simulator with
 * Slack's default rate limits: no 429s, and at most ⌈T/U⌉ + 6 Web API calls.
 */
describe('Slack relay under a 10,000-line build', () => {
  let sim: SlackSimulator;
  beforeAll(async () => {
    sim = await startSlackSimulator();
  });
  afterAll(async () => {
    expect(sim.errors).toEqual([]);
    await sim.close();
  });

  it('streams within Slack limits with 0 breaches and ⌈T/U⌉+6 calls at most', async () => {
    const surface = createSlackSurface({ botToken: sim.botToken, apiUrl: sim.apiUrl, log: silentLogger });
    const { buildMs } = await streamBuild({
      redisUrl: inject('redisUrl'),
      keys: redisKeys(`test-${randomUUID().slice(0, 8)}`),
      surface,
      channel: C,
      lines: 10_000,
      buildMs: 12_000,
      log: silentLogger,
      jobId: 'big-1',
    });
    const U = slackRelayLimits.intervalMs(1);
    const bound = Math.ceil(buildMs / U) + 6;
    expect(sim.breaches()).toBe(0);
    expect(sim.calls.every((c) => c.ok)).toBe(true);
    expect(sim.calls.length).toBeLessThanOrEqual(bound);

    const [parent] = sim.messages(C);
    expect(shown(parent)).toMatch(/big v1 live/);
    const replies = sim.thread(C, parent!.ts);
    const batches = replies.filter((m) => m.fileIds.length === 0);
    expect(batches.length).toBeGreaterThan(2);
    for (const b of batches) expect(b.text.length).toBeLessThanOrEqual(4000);
    // The newest line made it into the thread, escaped for mrkdwn; the file has every line.
    expect(batches.at(-1)!.text).toContain('#10000 [build');
    expect(batches.at(-1)!.text).toContain('&lt;ok&gt; &amp; cached');
    const [file] = sim.files(C, parent!.ts);
    const content = file!.content!.toString('utf8').trimEnd().split('\n');
    expect(content).toHaveLength(10_000);
    expect(content[9_999]).toMatch(/#10000 \[build .*<ok> & cached$/);
    console.info(
      `10k-line build: T=${buildMs} ms, U=${U} ms, ${sim.calls.length} Slack calls (bound ${bound}), ${sim.breaches()} breaches, ${batches.length} thread batches`,
    );
  }, 90_000);
});
