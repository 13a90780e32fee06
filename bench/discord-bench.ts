/**
 * Discord benchmark: `node bin/run-ts.js bench/discord-bench.ts`.
 * Chat calls for one 10,000-line build through the real relay, Discord next to Slack (each
 * with its real surface against its simulator, same Redis, same build), against the baseline of
 * one message per line. Uses REDIS_URL when set, otherwise starts its own redis-server.
 * Only 127.0.0.1 is used.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discordRelayLimits } from '../adapters/discord/discord-limits.ts';
import { createSlackSurface } from '../adapters/slack/slack-surface.ts';
import { silentLogger } from '../src/observability/logger.ts';
import { redisKeys } from '../src/store/keys.ts';
import { benchRedis } from './own-redis.ts';
import { NAIVE_LINES, naiveDiscord, naiveSlack } from './naive-baseline.ts';
import { startSlackSimulator } from '../test/support/slack-sim/index.ts';
import { streamDiscordBuild } from './discord-stream-build.ts';
import { streamSlackBuild as streamBuild } from './slack-stream-build.ts';

const LINES = 10_000;
const BUILD_MS = 12_000;

const dir = mkdtempSync(join(tmpdir(), 'vxdb-'));
const stops: Array<() => Promise<void>> = [];
try {
  const redis = await benchRedis();
  stops.push(redis.stop);
  const redisUrl = redis.url;
  const discord = await streamDiscordBuild({ redisUrl, lines: LINES, buildMs: BUILD_MS, log: silentLogger });
  const kinds = new Map<string, number>();
  for (const c of discord.calls) kinds.set(`${c.method} ${c.route}`, (kinds.get(`${c.method} ${c.route}`) ?? 0) + 1);

  const slackSim = await startSlackSimulator();
  stops.push(() => slackSim.close());
  const slackSurface = createSlackSurface({ botToken: slackSim.botToken, apiUrl: slackSim.apiUrl, log: silentLogger });
  const slack = await streamBuild({
    redisUrl,
    keys: redisKeys(`dbench-slack-${Date.now().toString(36)}`),
    surface: slackSurface,
    channel: 'C0DEPLOY',
    lines: LINES,
    buildMs: BUILD_MS,
    log: silentLogger,
  });

  // Measured baseline: the first lines sent one message each, as fast as a naive relay would.
  const naiveD = await naiveDiscord();
  const naiveS = await naiveSlack();
  // One message per line at Discord's 5 per 5 s per channel, or Slack's ~1 per second.
  const baselineHours = (LINES / 3600).toFixed(1);
  const rows: Array<[string, string, string, string]> = [
    [`${LINES}-line build (${(BUILD_MS / 1000).toFixed(0)} s of output)`, 'Discord', 'Slack', 'one call per line'],
    ['chat calls for the build', String(discord.calls.length), String(slackSim.calls.length), String(LINES)],
    ['calls saved', `${(LINES / discord.calls.length).toFixed(0)}×`, `${(LINES / slackSim.calls.length).toFixed(0)}×`, '1×'],
    [
      'rate-limit breaches (429s)',
      String(discord.breaches),
      String(slackSim.breaches()),
      `Discord ${naiveD.refused}/${naiveD.sent}, Slack ${naiveS.refused}/${naiveS.sent} refused (first ${NAIVE_LINES} lines, measured)`,
    ],
    ['invalid requests (401/403/429)', String(discord.invalidRequests), '–', ''],
    ['thread batches', String(discord.threadBatches), '–', String(LINES)],
    [
      'time to relay everything',
      `${(discord.relayedMs / 1000).toFixed(1)} s`,
      `${(slack.relayedMs / 1000).toFixed(1)} s`,
      `${baselineHours} h at 1 msg/s`,
    ],
    ['pace per job (U)', `${discordRelayLimits.intervalMs(1)} ms`, '–', ''],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
  console.log('\nDiscord calls by route:');
  for (const [route, n] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${route}`);
  if (discord.breaches > 0 || discord.logFile.trimEnd().split('\n').length !== LINES) process.exitCode = 1;
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
