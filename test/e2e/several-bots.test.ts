import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSettings } from '../../src/config/read-settings.ts';
import { startVoxoz, type Voxoz } from '../../src/main.ts';
import type { JobEvent } from '../../src/jobs/job-event.ts';
import { createLogger, silentLogger } from '../../src/observability/logger.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { discordEnv, shown as discordShown } from '../fixtures/discord/e2e-helpers.ts';
import { bodyText, C, shown as slackShown } from '../fixtures/slack/e2e-helpers.ts';
import { type DiscordSimulator, startDiscordSimulator } from '../support/discord-sim/index.ts';
import { jobIds } from '../support/job-ids.ts';
import { type SlackSimulator, startSlackSimulator } from '../support/slack-sim/index.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Two bot processes behind one Slack app (HTTP, a load balancer alternating between them) and
 * one Discord application (both on the gateway: each gets every interaction), three worker
 * processes, one Redis. 50 commands from the two platforms: one job each, one parent message
 * each, edited to its end once; a schedule fires once per tick; an approval clicked on both
 * bots at once is decided once.
 */
const queue = `bots-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'vxb-'));
const log = process.env.VOXOZ_TEST_LOG ? createLogger('debug') : silentLogger;
let slack: SlackSimulator;
let discord: DiscordSimulator;
const bots: Voxoz[] = [];
const workers: Voxoz[] = [];

beforeAll(async () => {
  slack = await startSlackSimulator();
  discord = await startDiscordSimulator({ heartbeatIntervalMs: 1000 });
  writeFileSync(
    join(dir, 'voxoz.yml'),
    `apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: 18777
  - name: slow
    source: { path: ${HELLO_APP_DIR} }
    port: 18778
    health: { path: /missing, graceSeconds: 4, retries: 1, timeoutSeconds: 20 }
people:
  abe: { local: abe }
access:
  grants:
    - { to: [everyone], role: deployer }
    - { to: [abe], role: approver }
approvals:
  rules: [{ verb: scale }]
schedules:
  - { name: tick, cron: "*/3 * * * * *", target: { platform: local, channel: ops } }
worker: { inProcess: false, concurrency: 3, attempts: 1, maxQueuedPerUser: 100 }
`,
  );
  const base: NodeJS.ProcessEnv = {
    REDIS_URL: inject('redisUrl'),
    VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
    VOXOZ_QUEUE: queue,
    PORT: '0',
  };
  for (const n of [1, 2, 3]) {
    const env = { ...base, DOCKER_HOST: inject('dockerHost'), VOXOZ_DATA_DIR: join(dir, `worker${n}`) };
    workers.push(await startVoxoz(readSettings(env), env, log, 'worker'));
  }
  for (const n of [1, 2]) {
    // Bot-only processes: no DOCKER_HOST, no engine.
    const env = {
      ...base,
      ...discordEnv(discord),
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      VOXOZ_DATA_DIR: join(dir, `bot${n}`),
    };
    bots.push(await startVoxoz(readSettings(env), env, log));
  }
}, 180_000);

afterAll(async () => {
  for (const v of [...bots, ...workers]) await v.close().catch(() => undefined);
  await slack?.close();
  await discord?.close();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const botUrl = (i: number) => `http://127.0.0.1:${bots[i % 2]!.port}`;

describe('several bot processes and workers on one Redis', () => {
  it('50 commands from Slack and Discord: one job, one parent, one final edit each; nothing twice', async () => {
    const slackAcks: string[] = [];
    const discordSent: string[] = [];
    // Slack's chat.postMessage allows ~1 a second per channel and chat.update ~50 a minute per
    // workspace: 10 of the 50 come from Slack, 40 from Discord. In five waves of ten at once, each
    // acknowledged before the next: all 50 at the same moment, on two cores shared with the
    // other test files, could keep an enqueue past the bot's 1 s wait for Redis, which is not
    // what this test is about.
    for (let i = 0; i < 50; i += 10) {
      const sends: Array<Promise<void>> = [];
      for (let j = i; j < i + 10; j++) {
        if (j % 5 === 0)
          sends.push(
            slack
              .sendSlashCommand(`${botUrl(j / 5)}/slack/events`, { text: 'status hello', user_id: j % 2 ? 'U0ALICE' : 'U0BOB' })
              .then((r) => {
                expect(r.status).toBe(200);
                slackAcks.push(bodyText(r.body));
              }),
          );
        else {
          const id = discord.sendInteraction({ kind: 'command', name: 'voxoz', subcommand: 'status', options: { app: 'hello' } }).id;
          discordSent.push(id);
          sends.push(discord.waitForResponse(id, 30_000).then(() => undefined));
        }
      }
      await Promise.all(sends);
    }
    expect(slackAcks).toHaveLength(10);
    expect(slackAcks.filter((a) => !/is queued; progress follows in the thread/.test(a))).toEqual([]);
    // One answer per Discord interaction (the sim refuses a second with 400 "already acknowledged").
    const responses = await Promise.all(discordSent.map((id) => discord.waitForResponse(id, 30_000)));
    expect(responses.every((r) => r.type === 4 && r.messageId)).toBe(true);

    const redisUrl = inject('redisUrl');
    const redis = new Redis(redisUrl);
    const keys = redisKeys(queue);
    try {
      // The commands' jobs (the schedule's summaries run beside them).
      const statusJobs = async () => {
        const all = await jobIds(redisUrl, queue);
        const kinds = await Promise.all(all.map(async (id) => JSON.parse((await redis.hget(keys.job(id), 'data')) ?? '{}').kind));
        return all.filter((_, i) => kinds[i] === 'status');
      };
      const ids = await waitFor('50 jobs', async () => ((await statusJobs()).length >= 50 ? statusJobs() : undefined));
      expect(ids).toHaveLength(50);
      // Each job ran once: one `started` event, one end.
      await waitFor(
        'every job to end',
        async () => {
          for (const id of ids) {
            const events = (await redis.xrange(keys.events(id), '-', '+')).map(
              ([, f]) => JSON.parse(f[1]!) as { type: string; worker?: string },
            );
            if (!events.some((e) => e.type === 'done')) return false;
          }
          return true;
        },
        90_000,
      );
      const started = new Map<string, number>();
      const ranOn = new Set<string>();
      for (const id of ids) {
        const events = (await redis.xrange(keys.events(id), '-', '+')).map(
          ([, f]) => JSON.parse(f[1]!) as { type: string; worker?: string },
        );
        started.set(id, events.filter((e) => e.type === 'started').length);
        for (const e of events) if (e.type === 'started' && e.worker) ranOn.add(e.worker);
      }
      expect([...started.values()].every((n) => n === 1)).toBe(true);
      expect(ranOn.size).toBeGreaterThanOrEqual(2);
    } finally {
      redis.disconnect();
    }

    // Discord: each interaction's message edited to its outcome; no other channel post.
    const discordStates = () => {
      const states = responses.map((r) => discordShown(discord.message(r.messageId!)?.current).split('\n')[0]);
      return JSON.stringify([...new Set(states)].map((x) => [x, states.filter((y) => y === x).length]));
    };
    await waitFor(
      'every Discord parent to show its outcome',
      () => responses.every((r) => /not deployed yet/.test(discordShown(discord.message(r.messageId!)?.current))),
      120_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${discordStates()}`);
    });
    expect(
      discord.messages(discord.channelId).filter((m) => !discord.message(m.id)!.ephemeral && /hello/.test(discordShown(m))),
    ).toHaveLength(40);
    expect(discord.breaches()).toBe(0);
    // Slack: one parent per job, each edited to its outcome (a second relay would have posted a second).
    await waitFor(
      'every Slack parent to show its outcome',
      () => slack.messages(C).filter((m) => /not deployed yet/.test(slackShown(m))).length >= 10,
      150_000,
    );
    // The channel holds the 10 parents and nothing else (their logs are in their threads).
    expect(slack.messages(C).map((m) => slackShown(m).split('\n')[0])).toEqual(Array(10).fill('hello: not deployed yet (production)'));
    expect(slack.errors).toEqual([]);
    // Both bots post in one channel through one shared pace (relay/channel-pace.ts): no 429 from Slack.
    expect(slack.breachesByMethod()).toEqual({});
  }, 360_000);

  it('a schedule fires once per tick though both bots sync it', async () => {
    const token = bots[0]!.localToken!;
    const threadsOf = async () => {
      const res = await fetch(`${botUrl(0)}/local/channels/ops/threads`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { threads: Array<{ id: string; title: string; state: string }> }).threads;
    };
    await waitFor('a few summaries', async () => (await threadsOf()).length >= 4, 60_000);
    // Every summary job is one tick's (its id names the tick); ticks are 3 s apart, none fired twice.
    const ticks = (await jobIds(inject('redisUrl'), queue))
      .filter((id) => id.startsWith('schedule-tick-'))
      .map((id) => Number(id.slice('schedule-tick-'.length)))
      .sort((a, b) => a - b);
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    for (const t of ticks) expect(t % 3000).toBe(0);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBeGreaterThanOrEqual(3000);
    // One thread per summary in the channel.
    const threads = await threadsOf();
    expect(threads.length).toBeLessThanOrEqual(ticks.length);
    expect(new Set(threads.map((t) => t.id)).size).toBe(threads.length);
  }, 90_000);

  it('an approval clicked on both bots at once is decided once', async () => {
    const token = bots[0]!.localToken!;
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const asked = await fetch(`${botUrl(0)}/local/commands`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ user: 'rita', text: 'scale hello 2' }),
    });
    expect(asked.status).toBe(202);
    const { thread } = (await asked.json()) as { thread: string };
    const approvalId = await waitFor('the approval id', async () => {
      const t = (await (await fetch(`${botUrl(0)}/local/threads/${thread}`, { headers: auth })).json()) as {
        messages: Array<{ text: string }>;
      };
      return t.messages.map((m) => /approval: (apv-\S+)/.exec(m.text)?.[1]).find(Boolean);
    });
    // Bot 1 and bot 2 get the same Approve at the same moment.
    const click = (i: number) =>
      fetch(`${botUrl(i)}/local/interactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bots[i]!.localToken}` },
        body: JSON.stringify({ user: 'abe', action: 'approve', value: approvalId }),
      }).then(async (r) => ({ status: r.status, body: JSON.stringify(await r.json()) }));
    const [a, b] = await Promise.all([click(0), click(1)]);
    const approved = [a, b].filter((r) => /: approved","status":"info"/.test(r.body));
    expect(approved, `${a.body}\n${b.body}`).toHaveLength(1);
    expect([a, b].find((r) => r !== approved[0])!.body).toMatch(/approve: already decided/);
    // One scale job came of it.
    const redis = new Redis(inject('redisUrl'));
    try {
      const scales = await waitFor('the approved scale job', async () => {
        const all = await jobIds(inject('redisUrl'), queue);
        const kinds = await Promise.all(
          all.map(async (id) => JSON.parse((await redis.hget(redisKeys(queue).job(id), 'data')) ?? '{}').kind),
        );
        const n = kinds.filter((k) => k === 'scale').length;
        return n > 0 ? n : undefined;
      });
      expect(scales).toBe(1);
    } finally {
      redis.disconnect();
    }
  }, 90_000);
  it('a rolling restart of the workers and a bot, one at a time, with jobs queued and running: every job ends, each ran once', async () => {
    const redisUrl = inject('redisUrl');
    const before = new Set(await jobIds(redisUrl, queue));
    const send = async (i: number, text: string) => {
      const b = bots[i % 2]!;
      const res = await fetch(`http://127.0.0.1:${b.port}/local/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${b.localToken}` },
        body: JSON.stringify({ user: 'rita', text }),
      });
      expect(res.status).toBe(202);
    };
    const redis = new Redis(redisUrl);
    const keys = redisKeys(queue);
    // The commands' jobs (the schedule's summaries, schedule-tick-…, run beside them).
    const mine = async () => (await jobIds(redisUrl, queue)).filter((id) => !before.has(id) && !id.startsWith('schedule-'));
    const eventsOf = async (id: string) => (await redis.xrange(keys.events(id), '-', '+')).map(([, f]) => JSON.parse(f[1]!) as JobEvent);
    const ended = async (id: string) => (await eventsOf(id)).some((e) => e.type === 'done');
    // Deploys of \`slow\` run one at a time and each takes seconds (its health check never passes
    // after a 4 s grace, so each rolls back): the restarts happen while they run and wait.
    for (let i = 0; i < 4; i++) await send(i, 'deploy slow');
    await Promise.all(Array.from({ length: 30 }, (_, i) => send(i, 'status hello')));
    await waitFor('a deploy to run', async () => {
      for (const id of await mine()) if ((await eventsOf(id)).some((e) => e.type === 'step')) return true;
      return false;
    });
    const restart = async (list: Voxoz[], i: number, env: NodeJS.ProcessEnv, role?: 'worker') => {
      // As systemd does it: SIGTERM's path (running jobs drain, queued ones stay in Redis), then a new process.
      await list[i]!.close();
      list[i] = await startVoxoz(readSettings(env), env, log, role);
    };
    const base: NodeJS.ProcessEnv = { REDIS_URL: redisUrl, VOXOZ_CONFIG: join(dir, 'voxoz.yml'), VOXOZ_QUEUE: queue, PORT: '0' };
    const pending = async () => (await Promise.all((await mine()).map(ended))).filter((e) => !e).length;
    const stillPending: number[] = [];
    for (const n of [0, 1, 2]) {
      stillPending.push(await pending());
      await restart(workers, n, { ...base, DOCKER_HOST: inject('dockerHost'), VOXOZ_DATA_DIR: join(dir, `worker${n + 1}`) }, 'worker');
      await send(n, 'status hello');
    }
    await restart(bots, 0, { ...base, VOXOZ_DATA_DIR: join(dir, 'bot1') });
    for (let i = 0; i < 4; i++) await send(i, 'status hello');
    // Work was queued or running at each worker's stop.
    expect(stillPending[0]).toBeGreaterThan(0);
    try {
      const ids = await mine();
      expect(ids).toHaveLength(4 + 30 + 3 + 4);
      await waitFor(
        'every job to end',
        async () => {
          for (const id of ids) if (!(await ended(id))) return false;
          return true;
        },
        150_000,
      );
      const outcomes: string[] = [];
      for (const id of ids) {
        const events = await eventsOf(id);
        expect(events.filter((e) => e.type === 'started')).toHaveLength(1);
        const done = events.find((e) => e.type === 'done');
        if (done?.type === 'done') outcomes.push(`${done.outcome} ${done.result.title ?? ''}`.split(':')[0]!);
      }
      // The deploys ended on their own terms (their check failed), none stopped by a worker's stop.
      expect(outcomes.filter((o) => /^failed/.test(o))).toHaveLength(4);
      expect(outcomes.filter((o) => /^succeeded/.test(o))).toHaveLength(37);
    } finally {
      redis.disconnect();
    }
  }, 240_000);
});
