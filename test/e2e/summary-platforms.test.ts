import { afterEach, describe, expect, it } from 'vitest';
import { discordEnv, shown as discordShown } from '../fixtures/discord/e2e-helpers.ts';
import { C, shown as slackShown } from '../fixtures/slack/e2e-helpers.ts';
import { startDiscordSimulator } from '../support/discord-sim/index.ts';
import { startSlackSimulator } from '../support/slack-sim/index.ts';
import { HELLO_APP_DIR, startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { waitFor } from '../support/wait-for.ts';

// A scheduled summary as Slack and Discord show it: real Bolt and discord.js against the
// simulators (which check message limits), a whole voxoz whose schedule targets that platform,
// the parent message with the verdict and the 14-day chart attached as a PNG in its thread.
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const yaml = (platform: string, channel: string) => `apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
schedules:
  - { name: morning, cron: "*/2 * * * * *", timezone: Europe/Kyiv, target: { platform: ${platform}, channel: "${channel}" } }
`;
const isChart = (name: string, bytes: Buffer | undefined) =>
  /^status-\d{4}-\d\d-\d\d\.png$/.test(name) && !!bytes && bytes.subarray(0, 8).equals(PNG_SIGNATURE) && bytes.readUInt32BE(16) >= 200;

let voxoz: TestVoxoz | undefined;
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await voxoz?.close();
  voxoz = undefined;
  for (const c of closers.splice(0)) await c();
});

describe('a scheduled summary on the chat platforms', () => {
  it('Slack: one parent message in the channel with the verdict, the chart uploaded in its thread', async () => {
    const sim = await startSlackSimulator();
    closers.push(() => sim.close());
    voxoz = await startTestVoxoz({
      yaml: yaml('slack', C),
      env: { SLACK_BOT_TOKEN: sim.botToken, SLACK_SIGNING_SECRET: sim.signingSecret, SLACK_API_URL: sim.apiUrl },
    });
    const { parent, chart } = await waitFor(
      'a summary with its chart in Slack',
      () => {
        for (const m of sim.messages(C)) {
          const file = sim.files(C, m.ts).find((f) => isChart(f.filename, f.content));
          if (/morning summary: 1 not deployed/.test(slackShown(m)) && file) return { parent: m, chart: file };
        }
        return undefined;
      },
      60_000,
    );
    expect(slackShown(parent)).toContain('hello (production): not deployed');
    expect(slackShown(parent)).not.toContain('0/1 healthy');
    expect(chart.content!.length).toBeGreaterThan(5000);
    expect(sim.errors).toEqual([]);
  }, 90_000);

  it('Discord: an ordinary channel message with the verdict, the chart attached in its thread', async () => {
    const sim = await startDiscordSimulator({ heartbeatIntervalMs: 1000 });
    closers.push(() => sim.close());
    voxoz = await startTestVoxoz({ yaml: yaml('discord', sim.channelId), env: discordEnv(sim) });
    const found = await waitFor(
      'a summary with its chart in Discord',
      () => {
        for (const m of sim.messages(sim.channelId)) {
          if (!/morning summary: 1 not deployed/.test(discordShown(m))) continue;
          const chart = sim
            .messages(m.id)
            .flatMap((t) => sim.attachments(t.id))
            .find((a) => isChart(a.filename, a.bytes));
          if (chart) return { parent: m, chart };
        }
        return undefined;
      },
      60_000,
    );
    expect(discordShown(found.parent)).toContain('hello (production): not deployed');
    expect(discordShown(found.parent)).not.toContain('0/1 healthy');
    expect(found.chart.contentType).toBe('image/png');
    expect(sim.breaches()).toBe(0);
  }, 90_000);
});
