import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { TOKEN_SAFE_MS } from '../../adapters/discord/discord-surface.ts';
import {
  logEvents,
  logLine,
  started,
  step,
  startRelayHarness,
  succeeded,
  threadLines,
  type RelayHarness,
} from '../fixtures/discord/relay-harness.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { answerText, buttonIds, jobIds, shown, startDiscordVoxoz, waitFor } from '../fixtures/discord/e2e-helpers.ts';
import { startSlowDispatchHarness, type SlowDispatchHarness } from '../fixtures/discord/slow-dispatch-harness.ts';
import { startDiscordSimulator, type DiscordSimulator } from '../support/discord-sim/index.ts';
import type { TestVoxoz } from '../support/start-voxoz.ts';

const TOKEN_LIFE_MS = 15 * 60_000;
const DISCORD_EPOCH = 1_420_070_400_000n;
/** When Discord minted a snowflake (an interaction's id tells its token's age). */
const mintedAt = (id: string) => Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => logLine(from + k));

/** The relay's hard paths on Discord: an aging interaction token, and another process taking a job over. */
describe('Discord relay: token age and takeover', () => {
  let h: RelayHarness;
  beforeAll(async () => {
    h = await startRelayHarness(inject('redisUrl'), process.env.DUMP_LOGS ? createLogger('debug') : undefined);
  });
  afterEach(async () => {
    await h?.stopRelays();
  });
  afterAll(async () => {
    expect(h.sim.breaches()).toBe(0);
    await h?.close();
  });

  const webhookEdits = (token: string) =>
    h.sim.calls.filter((c) => c.method === 'PATCH' && c.route.startsWith('/webhooks/') && c.path.includes(token));
  const continuationsOf = (parent: string) =>
    h.sim.messages(h.sim.channelId).filter((m) => !m.interaction_metadata && m.content.includes(`<#${parent}>`));

  it('hands the parent over to a bot message once the interaction is older than TOKEN_SAFE_MS, before the token dies: no 50027', async () => {
    const interaction = await h.answeredDeploy();
    const parent = interaction.messageId;
    const relay = h.relay(h.surface());
    const job = await h.job(interaction);
    await job.write(...started(), ...logEvents(0, 10));
    await waitFor('the first batch in the thread', () => threadLines(h.sim, parent).includes(logLine(9)), 20_000);
    await waitFor('the parent to say building', () => /deploy big: building/.test(shown(h.sim.message(parent)?.current)), 10_000);

    // Past the safe age with the token still alive; only log lines follow for a while (the parent has nothing new to show).
    h.sim.advanceClock(TOKEN_SAFE_MS - (h.sim.now() - mintedAt(interaction.id)) + 20_000);
    await job.write(...logEvents(10, 20));
    await waitFor('the second batch in the thread', () => threadLines(h.sim, parent).includes(logLine(19)), 20_000);
    const handedOver = await waitFor('a continuation message', () => continuationsOf(parent)[0], 10_000);
    // Now the token dies; the job goes on and ends.
    h.sim.advanceClock(TOKEN_LIFE_MS - TOKEN_SAFE_MS);
    await job.write(...logEvents(20, 25), ...succeeded());
    await job.relayed();
    await relay.close();

    expect(continuationsOf(parent)).toHaveLength(1);
    const continuation = h.sim.message(handedOver.id)!.current;
    expect(shown(continuation)).toMatch(/big v1 live \(1\/1 healthy\)/);
    expect(continuation.content).toContain(`<#${parent}>`); // links the log thread
    expect(continuation.components).toEqual([]);
    const first = h.sim.message(parent)!.current;
    expect(first.content).toMatch(/updates continue in a newer message below/);
    expect(first.components).toEqual([]);
    expect(h.sim.calls.filter((c) => c.code === 50027)).toEqual([]);
    expect(h.sim.invalidRequests()).toBe(0);
    expect(h.sim.calls.filter((c) => c.status >= 400)).toEqual([]);
    // Every later webhook call happened while the token lived.
    for (const c of webhookEdits(interaction.token)) expect(c.time - mintedAt(interaction.id)).toBeLessThan(TOKEN_LIFE_MS);
    expect(threadLines(h.sim, parent)).toEqual(lines(0, 25));
    const file = h.sim.messages(parent).find((m) => m.attachments.length > 0)!;
    expect(h.sim.attachments(file.id)[0]!.bytes.toString('utf8').trimEnd().split('\n')).toHaveLength(25);
  }, 90_000);

  it('a second relay takes over a job whose first relay died holding its lease, and edits the same continuation', async () => {
    const interaction = await h.answeredDeploy();
    const parent = interaction.messageId;
    const leaseMs = 1500;
    const first = h.relay(h.surface(), leaseMs);
    const job = await h.job(interaction);
    await job.write(...started(), ...logEvents(0, 10));
    await waitFor('the first batch in the thread', () => threadLines(h.sim, parent).includes(logLine(9)), 20_000);
    h.sim.advanceClock(TOKEN_SAFE_MS + 30_000);
    await job.write(...step('build', 'done'), ...step('deploy', 'running'), ...logEvents(10, 20));
    const continuation = await waitFor('a continuation message', () => continuationsOf(parent)[0], 20_000);
    await waitFor(
      'the continuation to show the deploy step',
      () => /deploy big: deploying/.test(shown(h.sim.message(continuation.id)?.current)),
      20_000,
    );
    await waitFor('the first relay to post line 19', () => threadLines(h.sim, parent).includes(logLine(19)), 20_000);

    await first.close(); // dies without releasing its lease
    expect(await job.leaseHolder()).toBe(first.owner);
    h.sim.advanceClock(TOKEN_LIFE_MS); // the token is long dead when the next relay arrives
    await job.write(...logEvents(20, 30));
    const callsBefore = h.sim.calls.length;
    const second = h.relay(h.surface(), leaseMs);
    await waitFor('the second relay to take the job over', () => second.owned().includes(job.id), 10_000);
    await job.write(...logEvents(30, 35), ...succeeded());
    await job.relayed();

    expect(continuationsOf(parent).map((m) => m.id)).toEqual([continuation.id]);
    const final = h.sim.message(continuation.id)!.current;
    expect(shown(final)).toMatch(/big v1 live \(1\/1 healthy\)/);
    expect(final.content).toContain(`<#${parent}>`);
    expect(final.components).toEqual([]);
    expect(threadLines(h.sim, parent)).toEqual(lines(0, 35));
    const file = h.sim.messages(parent).find((m) => m.attachments.length > 0)!;
    expect(h.sim.attachments(file.id)[0]!.bytes.toString('utf8').trimEnd().split('\n')).toHaveLength(35);
    const later = h.sim.calls.slice(callsBefore);
    expect(later.filter((c) => c.route.startsWith('/webhooks/'))).toEqual([]); // a dead token is not tried
    expect(later.filter((c) => c.status >= 400 && c.code !== 160004)).toEqual([]);
    expect(h.sim.invalidRequests()).toBe(0);
  }, 90_000);
});

/** discord.js on the simulator's gateway with a dispatcher slower than the answer budget. */
describe('Discord: a dispatcher slower than the answer budget', () => {
  let sim: DiscordSimulator;
  let slow: SlowDispatchHarness;
  const EPHEMERAL = 64;
  beforeAll(async () => {
    sim = await startDiscordSimulator({ heartbeatIntervalMs: 1000 });
    // Slower than Discord's 3 s window: only a deferral can save the answer.
    slow = await startSlowDispatchHarness({ sim, redisUrl: inject('redisUrl'), delayMs: 3500, budgetMs: 400 });
  });
  afterAll(async () => {
    await slow?.close();
    expect(sim.breaches()).toBe(0);
    await sim?.close();
  });

  it('defers a slow deploy within the budget, edits the queued answer in, and the job still gets its parent and thread', async () => {
    const sent = sim.sendInteraction({ kind: 'command', name: 'voxoz', subcommand: 'deploy', options: { app: 'hello' } });
    const first = await sim.waitForResponse(sent.id);
    expect(first.type).toBe(5);
    expect(first.latencyMs).toBeLessThan(1500);
    expect((first.data as { flags: number }).flags & EPHEMERAL).toBe(EPHEMERAL);
    await waitFor(
      'the deferred answer edited in',
      () => /deploy hello: queued/.test(shown(sim.message(first.messageId!)?.current)),
      10_000,
    );
    expect(sim.message(first.messageId!)!.ephemeral).toBe(true);

    // The answer is ephemeral, so the relay posts the job's parent as an ordinary bot message.
    const jobId = `discord-${sent.id}`;
    const parent = await waitFor(
      'the parent posted by the relay',
      () => sim.messages(sim.channelId).find((m) => !m.interaction_metadata && /deploy hello: queued/.test(shown(m))),
      10_000,
    );
    await slow.write(jobId, ...started(), ...logEvents(0, 3), {
      type: 'done',
      at: new Date().toISOString(),
      outcome: 'succeeded',
      result: { title: 'hello v1 live (1/1 healthy)' },
    });
    await waitFor('the parent to show the result', () => /hello v1 live/.test(shown(sim.message(parent.id)?.current)), 15_000);
    await waitFor('the log file in its thread', () => sim.messages(parent.id).find((m) => m.attachments.length > 0), 15_000);
    expect(threadLines(sim, parent.id)).toEqual(lines(0, 3));
    expect(slow.handled()).toBe(1);
    expect(sim.calls.filter((c) => c.route === '/interactions/:id/:token/callback' && c.path.includes(sent.id))).toHaveLength(1);
    expect(sim.calls.filter((c) => c.status >= 400)).toEqual([]);
  }, 60_000);

  it('defers a slow help answer and edits it in', async () => {
    const sent = sim.sendInteraction({ kind: 'command', name: 'voxoz', subcommand: 'help' });
    const first = await sim.waitForResponse(sent.id);
    expect(first.type).toBe(5);
    expect(first.latencyMs).toBeLessThan(1500);
    await waitFor('the help text edited in', () => /deploy/.test(shown(sim.message(first.messageId!)?.current)), 10_000);
    expect(sim.message(first.messageId!)!.ephemeral).toBe(true);
  }, 30_000);
});

/** The whole voxoz (real worker, dockerd) while Discord drops the gateway session for good. */
describe('Discord gateway: a non-resumable Invalid Session mid-job', () => {
  let sim: DiscordSimulator;
  let voxoz: TestVoxoz;
  let logs: string[] = [];
  let stop: (() => Promise<number>) | undefined;
  beforeAll(async () => {
    ({ sim, voxoz, logs, close: stop } = await startDiscordVoxoz());
  });
  afterAll(async () => {
    expect(await stop?.()).toBe(0);
  });

  const command = (subcommand: string, options: Record<string, string> = {}) =>
    sim.sendInteraction({ kind: 'command', name: 'voxoz', subcommand, options });
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('re-IDENTIFYs; commands before and after run once each; the running job is cancelled and finishes in its thread', async () => {
    const deploy = command('deploy', { app: 'slow' });
    const parent = (await sim.waitForResponse(deploy.id)).messageId!;
    await waitFor('the deploy to be running', () => /deploying/.test(shown(sim.message(parent)?.current)), 60_000);
    const before = command('status', { app: 'hello' });
    await pause(200);
    const identified = once(sim.events, 'identify', { signal: AbortSignal.timeout(15_000) });
    sim.invalidateSession(false);
    await identified;
    await pause(200);
    const after = command('status', { app: 'hello' });
    for (const sent of [before, after]) expect((await sim.waitForResponse(sent.id, 10_000)).type).toBe(4);
    const ids = await jobIds(inject('redisUrl'), voxoz.queueName);
    for (const sent of [deploy, before, after]) {
      expect(ids.filter((j) => j === `discord-${sent.id}`)).toHaveLength(1);
      expect(sim.calls.filter((c) => c.route === '/interactions/:id/:token/callback' && c.path.includes(sent.id))).toHaveLength(1);
    }

    // The job kept running through it; its Cancel button works on the new session.
    const cancelId = buttonIds(sim.message(parent)?.current)[0]!;
    await pause(200);
    const cancel = sim.sendInteraction({ kind: 'button', customId: cancelId, messageId: parent });
    expect(answerText((await sim.waitForResponse(cancel.id, 10_000)).data)).toMatch(/stopping/);
    await waitFor('the deploy to end cancelled', () => /cancelled by alice/.test(shown(sim.message(parent)?.current)), 60_000);
    const file = await waitFor('the log file', () => sim.messages(parent).find((m) => m.attachments.length > 0), 30_000);
    expect(sim.attachments(file.id)[0]?.bytes.toString()).toMatch(/Successfully tagged \S+slow:production-v1/);
    expect(sim.messages(parent).filter((m) => m.attachments.length === 0).length).toBeGreaterThanOrEqual(1);
    expect(sim.gatewayStats()).toMatchObject({ identifies: 2, resumes: 0, open: 1 });
    expect(logs.filter((l) => l.includes('will not reconnect'))).toEqual([]);
  }, 120_000);
});
