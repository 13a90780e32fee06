import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App as BoltApp } from '@slack/bolt'; // loaded on purpose: its undici 7 takes over the global fetch dispatcher
import { RateLimitError, REST } from '@discordjs/rest';
import { Client, DiscordAPIError, Events, GatewayIntentBits, Routes, type ChatInputCommandInteraction, type TextChannel } from 'discord.js';
import WebSocket from 'ws';
import { startDiscordSimulator, type DiscordSimulator } from '../support/discord-sim/index.ts';

/** discord.js with its own fetch (CHAT-PLATFORMS.md: uploads break once bolt is loaded otherwise). */
function newClient(sim: DiscordSimulator): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: sim.apiUrl, retries: 0, makeRequest: (url, init) => fetch(url, init as RequestInit) as never },
  });
}

async function login(sim: DiscordSimulator): Promise<Client> {
  const client = newClient(sim);
  const ready = once(client, Events.ClientReady);
  await client.login(sim.token);
  await within(ready);
  return client;
}

/** `p`, or a clear failure after `ms` instead of vitest's 60 s timeout. */
function within<T>(p: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Rejection of `p` as a DiscordAPIError (fails the test if it resolves). */
async function apiError(p: Promise<unknown>): Promise<DiscordAPIError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DiscordAPIError);
  return e as DiscordAPIError;
}

const DEPLOY = {
  name: 'voxoz',
  description: 'voxoz chat-ops',
  options: [
    {
      type: 1,
      name: 'deploy',
      description: 'Deploy an app',
      options: [{ type: 3, name: 'app', description: 'App name', required: true, autocomplete: true }],
    },
    { type: 1, name: 'status', description: 'Show status' },
  ],
};

describe('discord simulator with real discord.js', () => {
  let sim: DiscordSimulator;
  let client: Client;
  const handlers = new Map<string, (i: ChatInputCommandInteraction) => Promise<void>>();

  beforeAll(async () => {
    expect(typeof BoltApp).toBe('function');
    sim = await startDiscordSimulator({ heartbeatIntervalMs: 500, rateLimits: { channelMessages: { limit: 50, windowMs: 5000 } } });
    client = await login(sim);
    client.on(Events.InteractionCreate, (i) => {
      if (i.isChatInputCommand()) void handlers.get(i.id)?.(i);
    });
    await client.application!.commands.set([DEPLOY]);
  });
  afterAll(async () => {
    await client?.destroy();
    await sim?.close();
  });

  /** Dispatches `/voxoz deploy app:<app>` and runs `fn` on discord.js's interaction. */
  function invoke(fn: (i: ChatInputCommandInteraction) => Promise<void>, app = 'web') {
    const sent = sim.sendInteraction({
      kind: 'command',
      name: 'voxoz',
      subcommand: 'deploy',
      options: { app },
      user: { id: '42', username: 'bob' },
    });
    const done = new Promise<ChatInputCommandInteraction>((resolve, reject) =>
      handlers.set(sent.id, (i) => fn(i).then(() => resolve(i), reject)),
    );
    return { sent, done };
  }

  it('logs in: READY, guild and text channel cached, heartbeats acknowledged', async () => {
    expect(client.user?.id).toBe(sim.botUserId);
    const guild = client.guilds.cache.get(sim.guildId);
    expect(guild?.available).toBe(true);
    expect(guild?.channels.cache.get(sim.channelId)?.isTextBased()).toBe(true);
    await within(once(sim.events, 'heartbeat'));
    expect(sim.gatewayStats()).toMatchObject({ identifies: 1, open: 1 });
    expect(sim.calls.find((c) => c.route === '/gateway/bot')?.status).toBe(200);
  });

  it('rejects a bad token on REST (TokenInvalid) and on the gateway (4004)', async () => {
    const bad = newClient(sim);
    await expect(bad.login('not-the-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    await bad.destroy();
    expect(sim.calls.at(-1)).toMatchObject({ route: '/gateway/bot', status: 401 });
    expect(sim.invalidRequests()).toBeGreaterThan(0);
    const ws = new WebSocket(`${sim.gatewayUrl}?v=10&encoding=json`);
    const [hello] = (await within(once(ws, 'message'))) as [Buffer];
    expect(JSON.parse(hello.toString())).toMatchObject({ op: 10, d: { heartbeat_interval: 500 } });
    ws.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: {} } }));
    const [code] = (await within(once(ws, 'close'))) as [number];
    expect(code).toBe(4004);
  });

  it('registers commands and rejects invalid ones', async () => {
    expect(sim.commands().map((c) => c.name)).toEqual(['voxoz']);
    expect(sim.commands()[0]?.options?.map((o) => o.name)).toEqual(['deploy', 'status']);
    const bad = await apiError(client.application!.commands.set([{ name: 'Bad Name', description: 'x' }]));
    expect(bad.code).toBe(50035);
    expect(JSON.stringify(bad.rawError)).toContain('APPLICATION_COMMAND_INVALID_NAME');
    const order = await apiError(
      client.application!.commands.set([
        {
          name: 'x',
          description: 'x',
          options: [
            { type: 3, name: 'a', description: 'a' },
            { type: 3, name: 'b', description: 'b', required: true },
          ],
        },
      ]),
    );
    expect(order.code).toBe(50035);
    expect(sim.commands().map((c) => c.name)).toEqual(['voxoz']); // a rejected overwrite changes nothing
  });

  it('delivers an interaction; reply once, a second reply is rejected (40060)', async () => {
    const { sent, done } = invoke(async (i) => {
      expect(i.options.getSubcommand()).toBe('deploy');
      expect(i.options.getString('app')).toBe('web');
      expect(i.user.id).toBe('42');
      await i.reply({ content: 'Deploying web…' });
    });
    const i = await within(done);
    expect(await sim.waitForResponse(sent.id)).toMatchObject({ type: 4 });
    const msgId = sim.interactionResponse(sent.id)!.messageId!;
    expect(sim.message(msgId)?.current.content).toBe('Deploying web…');
    await expect(i.reply('again')).rejects.toMatchObject({ code: 'InteractionAlreadyReplied' }); // discord.js's own guard
    const second = await apiError(
      client.rest.post(Routes.interactionCallback(sent.id, sent.token), { body: { type: 4, data: { content: 'again' } }, auth: false }),
    );
    expect([second.status, second.code]).toEqual([400, 40060]);
  });

  it('deferReply + editReply + followUp; late first response is Unknown interaction', async () => {
    const { sent, done } = invoke(async (i) => {
      await i.deferReply();
      await i.editReply('Deployed web ✅');
      await i.followUp({ content: 'details', flags: 64 });
    });
    await within(done);
    const original = sim.message(sim.interactionResponse(sent.id)!.messageId!)!;
    expect(original.current.content).toBe('Deployed web ✅');
    expect(original.history[0]?.flags).toBe(128); // the "thinking…" placeholder
    expect(original.current.flags ?? 0).toBe(0);
    const followUp = sim.messages(sim.channelId).at(-1)!;
    expect([followUp.content, sim.message(followUp.id)?.ephemeral]).toEqual(['details', true]);

    const late = invoke(async (i) => {
      sim.advanceClock(3_500);
      const e = await apiError(i.reply('too late'));
      expect([e.status, e.code]).toEqual([404, 10062]);
    });
    await within(late.done);
    expect(sim.interactionResponse(late.sent.id)).toBeUndefined();
  });

  it('expires the interaction webhook token after 15 minutes', async () => {
    const { done } = invoke(async (i) => {
      await i.deferReply();
      await i.editReply('step 1'); // `@original` arrives as %40original
      sim.advanceClock(15 * 60_000 + 1);
      const e = await apiError(i.editReply('step 2'));
      expect([e.status, e.code]).toEqual([401, 50027]);
      await expect(i.followUp('x')).rejects.toMatchObject({ code: 50027 });
    });
    await within(done);
    expect(sim.calls.some((c) => c.path.includes('%40original') && c.status === 200)).toBe(true);
  });

  it('starts a thread from a message and uploads a file into it (bolt loaded)', async () => {
    const channel = client.channels.cache.get(sim.channelId) as TextChannel;
    const parent = await channel.send('Deploying web…');
    const thread = await parent.startThread({ name: 'web build logs' });
    expect(thread.id).toBe(parent.id);
    const log = Buffer.from('step 1/3: pulling image\nstep 2/3: build\n');
    const sent = await thread.send({ content: 'build log', files: [{ attachment: log, name: 'log.txt' }] });
    expect(sim.threads().map((t) => t.id)).toContain(parent.id);
    expect(sim.messages(thread.id).map((m) => m.id)).toEqual([sent.id]);
    const [att] = sim.attachments(sent.id);
    expect([att?.filename, att?.bytes.equals(log)]).toEqual(['log.txt', true]);
    const again = await apiError(client.rest.post(Routes.threads(sim.channelId, parent.id), { body: { name: 'again' } }));
    expect(again.code).toBe(160004);
    const big = await apiError(thread.send({ files: [{ attachment: Buffer.alloc(10 * 1024 * 1024 + 1), name: 'big.bin' }] }));
    expect([big.status, big.code]).toEqual([413, 40005]);
    await parent.edit('Deployed web ✅');
    expect(sim.message(parent.id)?.history.map((m) => m.content)).toEqual(['Deploying web…']);
  });

  it('validates messages: length, emptiness, components, unknown channel/message', async () => {
    const channel = client.channels.cache.get(sim.channelId) as TextChannel;
    const long = await apiError(channel.send('x'.repeat(2001)));
    expect(long.code).toBe(50035);
    expect(long.rawError).toMatchObject({ errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    expect((await channel.send('x'.repeat(2000))).content).toHaveLength(2000);
    const post = (body: unknown, c = sim.channelId) => apiError(client.rest.post(Routes.channelMessages(c), { body }));
    expect((await post({ content: '' })).code).toBe(50006);
    const button = (id: string) => ({ type: 2, style: 1, label: id, custom_id: id });
    expect((await post({ components: [{ type: 1, components: ['a', 'b', 'c', 'd', 'e', 'f'].map(button) }] })).code).toBe(50035);
    expect((await post({ components: [{ type: 1, components: [button('a'), button('a')] }] })).code).toBe(50035);
    expect((await post({ embeds: [{ title: 't'.repeat(257) }] })).code).toBe(50035);
    expect((await post({ content: 'hi' }, '1')).code).toBe(10003);
    expect((await apiError(client.rest.get(Routes.channelMessage(sim.channelId, '1')))).code).toBe(10008);
  });

  it('dispatches button clicks for existing buttons', async () => {
    const channel = client.channels.cache.get(sim.channelId) as TextChannel;
    const msg = await channel.send({
      content: 'Roll back web?',
      components: [{ type: 1, components: [{ type: 2, style: 4, label: 'Approve', custom_id: 'approve:1' }] }],
    });
    expect(() => sim.sendInteraction({ kind: 'button', customId: 'nope', messageId: msg.id })).toThrow(/no component/);
    const clicked = once(client, Events.InteractionCreate);
    const sent = sim.sendInteraction({ kind: 'button', customId: 'approve:1', messageId: msg.id });
    const [i] = (await within(clicked)) as [import('discord.js').ButtonInteraction];
    expect([i.customId, i.message.id]).toEqual(['approve:1', msg.id]);
    await i.update({ content: 'Approved by alice', components: [] });
    expect(sim.message(msg.id)?.current.content).toBe('Approved by alice');
    expect((await sim.waitForResponse(sent.id)).type).toBe(7);
  });

  it('autocomplete: focused option delivered, answered with choices (type 8)', async () => {
    const got = once(client, Events.InteractionCreate);
    const sent = sim.sendInteraction({ kind: 'autocomplete', name: 'voxoz', subcommand: 'deploy', options: { app: 'we' }, focused: 'app' });
    const [i] = (await within(got)) as [import('discord.js').AutocompleteInteraction];
    expect(i.options.getFocused()).toBe('we');
    await i.respond([{ name: 'web', value: 'web' }]);
    expect(sim.interactionResponse(sent.id)).toMatchObject({ type: 8, data: { choices: [{ name: 'web', value: 'web' }] } });
    expect(() => sim.sendInteraction({ kind: 'command', name: 'nope' })).toThrow(/not registered/);
  });

  it('resumes after op 7 and after close 4000 without losing a dispatch', async () => {
    for (const trigger of [() => sim.requestReconnect(), () => sim.closeWith(4000)]) {
      const before = sim.gatewayStats();
      const closed = once(sim.events, 'close');
      trigger();
      await within(closed);
      const got = new Promise<string>((resolve) => client.once(Events.InteractionCreate, (i) => resolve(i.id)));
      const resumed = once(sim.events, 'resume');
      const sent = sim.sendInteraction({ kind: 'command', name: 'voxoz', subcommand: 'status' });
      expect(sim.dispatches().at(-1)).toMatchObject({ t: 'INTERACTION_CREATE', delivered: false });
      await within(resumed);
      expect(await within(got)).toBe(sent.id);
      expect(sim.gatewayStats()).toMatchObject({ identifies: before.identifies, resumes: before.resumes + 1, open: 1 });
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After when another process exhausts the channel bucket', async () => {
    const sim = await startDiscordSimulator({ rateLimits: { channelMessages: { limit: 2, windowMs: 2000 } } });
    try {
      const a = new REST({ api: sim.apiUrl, retries: 0 }).setToken(sim.token);
      const b = new REST({ api: sim.apiUrl, retries: 0, rejectOnRateLimit: () => true }).setToken(sim.token);
      await a.post(Routes.channelMessages(sim.channelId), { body: { content: '1' } });
      await a.post(Routes.channelMessages(sim.channelId), { body: { content: '2' } });
      const e = await b.post(Routes.channelMessages(sim.channelId), { body: { content: '3' } }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(RateLimitError);
      expect(e).toMatchObject({ global: false });
      expect((e as RateLimitError).retryAfter).toBeGreaterThan(0);
      expect(sim.breaches()).toBe(1);
      expect(sim.calls.at(-1)).toMatchObject({ status: 429 });
      expect(sim.messages(sim.channelId)).toHaveLength(2);
      sim.advanceClock(2001); // the window passes on the simulator clock
      await b.post(Routes.channelMessages(sim.channelId), { body: { content: '3' } });
      const res = await fetch(`${sim.apiUrl}/v10/users/@me`, { headers: { Authorization: `Bot ${sim.token}` } });
      expect(res.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{16}$/);
      expect(res.headers.get('x-ratelimit-limit')).toBe('50');
    } finally {
      await sim.close();
    }
  });

  it('enforces the global per-second limit and counts invalid requests', async () => {
    const sim = await startDiscordSimulator({ rateLimits: { globalPerSecond: 3 } });
    try {
      const get = () => fetch(`${sim.apiUrl}/v10/users/@me`, { headers: { Authorization: `Bot ${sim.token}` } });
      const statuses = [];
      for (let n = 0; n < 4; n += 1) statuses.push((await get()).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const res = await get();
      expect(res.headers.get('x-ratelimit-global')).toBe('true');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await res.json()).toMatchObject({ message: 'You are being rate limited.', global: true });
      const unauth = await fetch(`${sim.apiUrl}/v10/users/@me`);
      expect([unauth.status, await unauth.json()]).toEqual([401, { message: '401: Unauthorized', code: 0 }]);
      expect(sim.invalidRequests()).toBe(3);
    } finally {
      await sim.close();
    }
  });
});
