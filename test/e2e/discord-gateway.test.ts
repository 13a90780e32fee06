import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DiscordSimulator } from '../support/discord-sim/index.ts';
import type { TestVoxoz } from '../support/start-voxoz.ts';
import { answerText, BOB, buttonIds, jobIds, shown, startDiscordVoxoz, waitFor } from '../fixtures/discord/e2e-helpers.ts';

const EPHEMERAL = 64;

/** voxoz with the real discord.js on the simulator's gateway + REST, on the test Redis and dockerd. */
describe('Discord over the gateway, end to end', () => {
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

  const command = (subcommand: string, options: Record<string, string | number | boolean> = {}, user?: typeof BOB) =>
    sim.sendInteraction({ kind: 'command', name: 'voxoz', subcommand, options, ...(user ? { user } : {}) });
  const current = (messageId: string) => sim.message(messageId)?.current;

  it('registers /voxoz with a typed subcommand per command spec, idempotently', async () => {
    const [voxozCommand] = sim.commands();
    expect(voxozCommand?.name).toBe('voxoz');
    const deploy = voxozCommand?.options?.find((o) => o.name === 'deploy') as {
      options?: Array<{ name: string; type: number; required?: boolean; autocomplete?: boolean }>;
    };
    expect(deploy.options).toEqual([
      expect.objectContaining({ name: 'app', type: 3, required: true, autocomplete: true }),
      expect.objectContaining({ name: 'ref', type: 3, required: false }),
      expect.objectContaining({ name: 'env', type: 3, required: false }),
      expect.objectContaining({ name: 'dry-run', type: 5, required: false }),
    ]);
    const logs = voxozCommand?.options?.find((o) => o.name === 'logs') as { options?: Array<{ name: string; type: number }> };
    expect(logs.options?.map((o) => [o.name, o.type])).toEqual([
      ['app', 3],
      ['env', 3],
      ['tail', 4],
      ['since', 3],
      ['replica', 4],
      ['follow', 3],
    ]);
    expect(voxozCommand?.options?.map((o) => o.name)).toEqual([
      'deploy',
      'scale',
      'burst',
      'status',
      'releases',
      'rollback',
      'restart',
      'promote',
      'logs',
      'jobs',
      'workers',
      'cancel',
      'approvals',
      'approve',
      'reject',
      'lock',
      'unlock',
      'schedule',
      'audit',
      'help',
    ]);
    // Guilds only: Discord would not even offer it in a DM with the bot.
    expect(voxozCommand).toMatchObject({ contexts: [0], integration_types: [0], default_member_permissions: null });
    expect(() => sim.sendInteraction({ kind: 'command', name: 'voxoz', subcommand: 'help', dm: true })).toThrow(
      /does not offer \/voxoz in DMs/,
    );
    expect(sim.calls.filter((c) => c.method === 'PUT' && c.route.includes('/commands'))).toHaveLength(1);
  });

  it('autocompletes app names from config', async () => {
    const sent = sim.sendInteraction({ kind: 'autocomplete', name: 'voxoz', subcommand: 'deploy', options: { app: 'sl' }, focused: 'app' });
    expect(await sim.waitForResponse(sent.id)).toMatchObject({ type: 8, data: { choices: [{ name: 'slow', value: 'slow' }] } });
  });

  it('answers help, parse errors and an unknown app ephemerally within 3 s, and queues nothing', async () => {
    const help = await sim.waitForResponse(command('help').id);
    expect(help.type).toBe(4);
    expect((help.data as { flags: number }).flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(answerText(help.data)).toMatch(/deploy/);
    expect(help.latencyMs).toBeLessThan(3000);

    const unknown = await sim.waitForResponse(command('deploy', { app: 'nosuchapp' }).id);
    expect((unknown.data as { flags: number }).flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(answerText(unknown.data)).toMatch(/no app named "nosuchapp"/);
    expect(answerText(unknown.data)).toMatch(/hello/);

    const badRef = await sim.waitForResponse(command('deploy', { app: 'hello', ref: 'a..b' }).id);
    expect(answerText(badRef.data)).toMatch(/deploy: invalid arguments/);
    expect(answerText(badRef.data)).toMatch(/<ref>.*not a valid git ref/);
    expect(answerText(badRef.data)).toMatch(/Usage: voxoz deploy/);

    const optionLike = await sim.waitForResponse(command('deploy', { app: 'hello', ref: '--env=staging' }).id);
    expect((optionLike.data as { flags: number }).flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(answerText(optionLike.data)).toMatch(/must not start with "-"/);
    expect(await jobIds(inject('redisUrl'), voxoz.queueName)).toEqual([]);
  });

  it('deploys hello: answer within 3 s, parent edited in place, threaded log, log file, live app', async () => {
    const sent = command('deploy', { app: 'hello' });
    const answer = await sim.waitForResponse(sent.id);
    expect(answer.latencyMs).toBeLessThan(3000);
    expect(answer.type).toBe(4);
    expect(((answer.data as { flags?: number }).flags ?? 0) & EPHEMERAL).toBe(0);
    const parent = answer.messageId!;
    const final = await waitFor(
      'the parent to say live',
      () => {
        const m = current(parent);
        return /live/.test(shown(m)) ? m : undefined;
      },
      90_000,
    );
    expect(shown(final)).toMatch(/hello v1 live \(1\/1 healthy\)/);
    expect(shown(final)).toMatch(/✓ build .*✓ deploy/);
    expect(buttonIds(final)).toEqual([]);
    const history = sim.message(parent)!.history.map(shown);
    expect(history.some((h) => /queued/.test(h))).toBe(true);
    expect(history.length).toBeGreaterThanOrEqual(2);
    // Edited in place through the interaction webhook: one parent, no ordinary channel post.
    expect(sim.messages(sim.channelId).filter((m) => !sim.message(m.id)!.ephemeral && /hello/.test(shown(m)))).toHaveLength(1);

    // The final edit goes first (at once); the thread with the log's last lines follows within one pacing interval.
    const thread = await waitFor('the thread', () => sim.threads().find((t) => t.id === parent));
    expect(thread.name).toMatch(/deploy hello/);
    const file = await waitFor('the log file in the thread', () => sim.messages(parent).find((m) => m.attachments.length > 0));
    const [attachment] = sim.attachments(file.id);
    expect(attachment?.bytes.toString('utf8')).toMatch(/Successfully tagged \S+hello:production-v1[\s\S]*is healthy/);
    const batches = sim.messages(parent).filter((m) => m.attachments.length === 0);
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches.every((m) => m.content.startsWith('```'))).toBe(true);
    expect(sim.messages(parent).at(-1)?.id).toBe(file.id);

    const page = await fetch(`http://127.0.0.1:${voxoz.appPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/hello/i);
  }, 120_000);

  it("/voxoz logs shows the running replica's lines in the thread; a bad --since is refused ephemerally", async () => {
    const bad = await sim.waitForResponse(command('logs', { app: 'hello', since: 'soon' }).id);
    expect((bad.data as { flags: number }).flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(answerText(bad.data)).toMatch(/--since: "soon" is not a duration of 1s\.\.30d; write it like 90s, 10m, 2h or 1d/);
    const parent = (await sim.waitForResponse(command('logs', { app: 'hello', tail: 5 }).id)).messageId!;
    await waitFor(
      'the logs parent to finish',
      () => /logs hello \(production\): \d+ lines? from 1 replica/.test(shown(current(parent))),
      60_000,
    );
    const lines = await waitFor(
      'the log lines in the thread',
      () => sim.messages(parent).find((m) => /v1-0 out \| hello v1 listening on 127\.0\.0\.1:\d+/.test(m.content)),
      30_000,
    );
    expect(lines.content.startsWith('```')).toBe(true);
  }, 90_000);

  it('turns a redelivered interaction into one job and one answer', async () => {
    const sent = command('status', { app: 'hello' });
    await sim.waitForResponse(sent.id);
    sim.dispatch('INTERACTION_CREATE', sent.payload);
    await new Promise((r) => setTimeout(r, 500));
    const ids = await jobIds(inject('redisUrl'), voxoz.queueName);
    expect(ids.filter((id) => id === `discord-${sent.id}`)).toHaveLength(1);
    expect(sim.calls.filter((c) => c.route === '/interactions/:id/:token/callback' && c.path.includes(sent.id))).toHaveLength(1);
  });

  it('Cancel: a stranger is refused ephemerally; the requester cancels the running job', async () => {
    const sent = command('deploy', { app: 'slow' });
    const parent = (await sim.waitForResponse(sent.id)).messageId!;
    await waitFor('slow running', () => /deploying/.test(shown(current(parent))), 60_000);
    const cancelId = buttonIds(current(parent)).find((id) => id.startsWith('vx:cancel:'))!;
    expect(cancelId).toBe(`vx:cancel:discord-${sent.id}`);

    const stranger = sim.sendInteraction({ kind: 'button', customId: cancelId, messageId: parent, user: BOB });
    const refusal = await sim.waitForResponse(stranger.id);
    expect((refusal.data as { flags: number }).flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(answerText(refusal.data)).toMatch(/not allowed/);
    expect(answerText(refusal.data)).toMatch(/only alice/);

    const mine = sim.sendInteraction({ kind: 'button', customId: cancelId, messageId: parent });
    const answer = await sim.waitForResponse(mine.id);
    expect((answer.data as { flags: number }).flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(answerText(answer.data)).toMatch(/stopping/);
    const done = await waitFor(
      'cancelled',
      () => {
        const m = current(parent);
        return /cancelled by alice/.test(shown(m)) ? m : undefined;
      },
      60_000,
    );
    expect(buttonIds(done)).toEqual([]);
  }, 120_000);

  it('keeps a job going past the 15-minute interaction token: later updates go through a bot message', async () => {
    const sent = command('deploy', { app: 'slow' });
    const parent = (await sim.waitForResponse(sent.id)).messageId!;
    await waitFor('slow deploying', () => /deploying/.test(shown(current(parent))), 60_000);
    const before = shown(current(parent));
    const cancelId = buttonIds(current(parent))[0]!;
    sim.advanceClock(15 * 60_000 + 1_000);
    const cancel = sim.sendInteraction({ kind: 'button', customId: cancelId, messageId: parent });
    expect(answerText((await sim.waitForResponse(cancel.id)).data)).toMatch(/stopping/);
    const continuation = await waitFor(
      'a bot message carrying the job on',
      () => sim.messages(sim.channelId).find((m) => !m.interaction_metadata && m.content.includes(`<#${parent}>`)),
      60_000,
    );
    const final = await waitFor(
      'the continuation to show the result',
      () => /cancelled by alice/.test(shown(current(continuation.id))) && current(continuation.id),
      60_000,
    );
    expect(buttonIds(final)).toEqual([]);
    // The interaction's own message stopped where the token died; nothing was lost in between.
    expect(shown(current(parent))).toBe(before);
    expect(sim.calls.filter((c) => c.code === 50027)).toHaveLength(1);
    const file = await waitFor('the log file in the thread', () => sim.messages(parent).find((m) => m.attachments.length > 0), 30_000);
    expect(sim.attachments(file.id)[0]?.bytes.length).toBeGreaterThan(0);
  }, 120_000);

  it('survives op 7 Reconnect, a resumable close and a resumable Invalid Session mid-job: no command lost, none run twice', async () => {
    const deploy = command('deploy', { app: 'hello' });
    const parent = (await sim.waitForResponse(deploy.id)).messageId!;
    const sentDuring: string[] = [];
    const faults: Array<() => void> = [() => sim.requestReconnect(), () => sim.closeWith(4000), () => sim.invalidateSession(true)];
    for (const fault of faults) {
      const resumed = new Promise((r) => sim.events.once('resume', r));
      fault();
      sentDuring.push(command('status', { app: 'hello' }).id);
      await resumed;
      await new Promise((r) => setTimeout(r, 300)); // discord.js needs a moment after RESUMED before the next fault
    }
    for (const id of sentDuring) expect((await sim.waitForResponse(id, 10_000)).type).toBe(4);
    const ids = await jobIds(inject('redisUrl'), voxoz.queueName);
    for (const id of [deploy.id, ...sentDuring]) expect(ids.filter((j) => j === `discord-${id}`)).toHaveLength(1);
    for (const id of sentDuring)
      expect(sim.calls.filter((c) => c.route === '/interactions/:id/:token/callback' && c.path.includes(id))).toHaveLength(1);
    await waitFor('the deploy to finish', () => /live/.test(shown(current(parent))), 90_000);
    const file = await waitFor('the log file', () => sim.messages(parent).find((m) => m.attachments.length > 0), 30_000);
    expect(sim.attachments(file.id)[0]?.bytes.toString()).toMatch(/Successfully tagged \S+hello:production-v2[\s\S]*is healthy/);
    expect(sim.gatewayStats().identifies).toBe(1);
  }, 150_000);

  it('stops reconnecting on a fatal close code and logs why', async () => {
    const before = sim.gatewayStats().connections;
    sim.closeWith(4004, 'Authentication failed.');
    await waitFor('the fatal log line', () => logs.find((l) => l.includes('will not reconnect')), 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(sim.gatewayStats().connections).toBe(before);
    const line = JSON.parse(logs.find((l) => l.includes('will not reconnect'))!) as { level: string; code: number; why: string };
    expect(line).toMatchObject({ level: 'error', code: 4004 });
    expect(line.why).toMatch(/DISCORD_TOKEN/);
  });
});
