/**
 * Slack benchmark: `node bin/run-ts.js bench/slack-bench.ts`.
 *   1. Ack latency of `/voxoz deploy hello` over HTTP at 20 commands/s (200 commands): real Bolt,
 *      real dispatcher and queue on Redis, signed requests from the Slack simulator. No workers
 *      run, so this is the ack path alone: verify → parse → authorise → enqueue → ack.
 *   2. Slack calls for a 10,000-line build through the real relay and surface, against the
 *      baseline of one chat.postMessage per line.
 * Uses REDIS_URL when set, otherwise starts its own redis-server. Only 127.0.0.1 is used.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSlackAdapter } from '../adapters/slack/slack-adapter.ts';
import { slackRelayLimits } from '../adapters/slack/slack-limits.ts';
import { createSlackSurface } from '../adapters/slack/slack-surface.ts';
import { commands } from '../commands/index.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { createRegistry } from '../src/dispatch/command-registry.ts';
import { createDispatcher } from '../src/dispatch/dispatcher.ts';
import { requesterPolicy } from '../src/dispatch/policy.ts';
import { startHttpServer } from '../src/http/http-server.ts';
import { createJobQueue } from '../src/jobs/job-queue.ts';
import { silentLogger } from '../src/observability/logger.ts';
import { redisKeys } from '../src/store/keys.ts';
import { benchRedis } from './own-redis.ts';
import { startSlackSimulator } from '../test/support/slack-sim/index.ts';
import { streamSlackBuild as streamBuild } from './slack-stream-build.ts';
import { dispatchStores } from '../test/support/dispatch-stores.ts';

/** Commands sent, and their rate. */
const COMMANDS = 200;
const PER_SECOND = 20;
const LINES = 10_000;
const BUILD_MS = 12_000;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const dir = mkdtempSync(join(tmpdir(), 'vxb-'));
const stops: Array<() => Promise<void>> = [];
try {
  const redis = await benchRedis();
  stops.push(redis.stop);
  const redisUrl = redis.url;
  const prefix = `bench-${Date.now().toString(36)}`;
  writeFileSync(join(dir, 'voxoz.yml'), `apps:\n  - name: hello\n    source: { path: ${dir} }\n    port: 18080\n`);
  const config = loadConfig(join(dir, 'voxoz.yml'));

  // 1. Ack latency.
  const sim = await startSlackSimulator();
  stops.push(() => sim.close());
  const queue = createJobQueue({ redisUrl, keys: redisKeys(prefix), queueName: 'jobs', attempts: 1 });
  stops.push(() => queue.close());
  const dispatcher = createDispatcher({
    registry: createRegistry(commands),
    config: () => config,
    queue,
    ...dispatchStores(redisUrl, redisKeys(prefix)),
    policy: requesterPolicy,
    log: silentLogger,
  });
  const adapter = createSlackAdapter({
    slack: { botToken: sim.botToken, signingSecret: sim.signingSecret, apiUrl: sim.apiUrl },
    dispatcher,
    log: silentLogger,
  });
  await adapter.start();
  const http = await startHttpServer({ host: '127.0.0.1', port: 0, mounts: adapter.mounts, log: silentLogger });
  stops.push(() => http.close());
  const url = `http://127.0.0.1:${http.port}/slack/events`;
  for (let i = 0; i < 10; i++) await sim.sendSlashCommand(url, { text: 'help' }); // warm-up
  const started = Date.now();
  const sends: Array<Promise<{ ms: number; ok: boolean }>> = [];
  for (let i = 0; i < COMMANDS; i++) {
    const due = started + (i * 1000) / PER_SECOND;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    sends.push(
      sim.sendSlashCommand(url, { text: 'deploy hello' }).then((r) => ({ ms: r.ms, ok: r.status === 200 && r.body.includes('queued') })),
    );
  }
  const results = await Promise.all(sends);
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const failed = results.filter((r) => !r.ok).length;

  // 2. A 10,000-line build.
  const sim2 = await startSlackSimulator();
  stops.push(() => sim2.close());
  const surface = createSlackSurface({ botToken: sim2.botToken, apiUrl: sim2.apiUrl, log: silentLogger });
  const build = await streamBuild({
    redisUrl,
    keys: redisKeys(`${prefix}-relay`),
    surface,
    channel: 'C0DEPLOY',
    lines: LINES,
    buildMs: BUILD_MS,
    log: silentLogger,
  });
  const U = slackRelayLimits.intervalMs(1);
  const calls = sim2.calls.length;
  const bound = Math.ceil(build.buildMs / U) + 6;

  const rows: Array<[string, string, string]> = [
    ['measure', 'voxoz', 'baseline / target'],
    [`ack latency p50 (${COMMANDS} cmds at ${PER_SECOND}/s, HTTP)`, `${percentile(ms, 50).toFixed(1)} ms`, 'Slack gives up at 3000 ms'],
    ['ack latency p99', `${percentile(ms, 99).toFixed(1)} ms`, 'target ≤ 100 ms'],
    ['ack latency max', `${ms.at(-1)!.toFixed(1)} ms`, ''],
    ['acks without "queued"', String(failed), '0'],
    [
      `Slack calls, ${LINES}-line build (T=${(build.buildMs / 1000).toFixed(1)} s, U=${U} ms)`,
      String(calls),
      `${LINES} (one call per line); bound ⌈T/U⌉+6 = ${bound}`,
    ],
    ['calls saved', `${(LINES / calls).toFixed(0)}×`, ''],
    ['rate-limit breaches (429s)', String(sim2.breaches()), '0'],
    ['time to relay everything', `${(build.relayedMs / 1000).toFixed(1)} s`, `${(LINES / 3600).toFixed(1)} h at 1 chat.postMessage/s`],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
  if (failed > 0 || sim2.breaches() > 0 || calls > bound) process.exitCode = 1;
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
