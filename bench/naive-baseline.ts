import { Routes } from 'discord-api-types/v10';
import { webApi } from '@slack/bolt';
import { createDiscordClient } from '../adapters/discord/discord-client.ts';
import { startDiscordSimulator } from '../test/support/discord-sim/index.ts';
import { startSlackSimulator } from '../test/support/slack-sim/index.ts';

/** Lines sent one message each, as fast as a naive relay would, to measure what the platforms refuse. */
export const NAIVE_LINES = 100;

export interface NaiveResult {
  sent: number;
  refused: number;
}

/** One chat.postMessage per log line into one channel of the Slack simulator; counts 429s. */
export async function naiveSlack(): Promise<NaiveResult> {
  const sim = await startSlackSimulator();
  try {
    const client = new webApi.WebClient(sim.botToken, {
      slackApiUrl: sim.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      logLevel: webApi.LogLevel.ERROR,
      logger: { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => webApi.LogLevel.ERROR, setName() {} },
    });
    const parent = await client.chat.postMessage({ channel: 'C0DEPLOY', text: 'deploy big' });
    let refused = 0;
    for (let i = 0; i < NAIVE_LINES; i++) {
      await client.chat.postMessage({ channel: 'C0DEPLOY', thread_ts: parent.ts!, text: `line ${i}` }).catch(() => {
        refused += 1;
      });
    }
    return { sent: NAIVE_LINES, refused };
  } finally {
    await sim.close();
  }
}

/** One channel message per log line through discord.js's REST, refusing instead of queueing; counts refusals. */
export async function naiveDiscord(): Promise<NaiveResult> {
  const sim = await startDiscordSimulator();
  const client = createDiscordClient({ token: sim.token, apiUrl: sim.apiUrl, retries: 0 });
  try {
    client.rest.setToken(sim.token);
    let refused = 0;
    for (let i = 0; i < NAIVE_LINES; i++) {
      await client.rest.post(Routes.channelMessages(sim.channelId), { body: { content: `line ${i}` } }).catch(() => {
        refused += 1;
      });
    }
    // A refusal is either a 429 from the simulator or discord.js refusing a call it knows the bucket cannot take.
    return { sent: NAIVE_LINES, refused };
  } finally {
    await client.destroy();
    await sim.close();
  }
}
