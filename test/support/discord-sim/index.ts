/**
 * Discord simulator for tests: REST v10 + gateway WebSocket on 127.0.0.1, strict like Discord.
 *
 *   const sim = await startDiscordSimulator({ heartbeatIntervalMs: 500 });
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds],
 *     rest: { api: sim.apiUrl, retries: 0, makeRequest: (url, init) => fetch(url, init) } });
 *   await client.login(sim.token);                      // READY + GUILD_CREATE (#deploys)
 *   await client.application.commands.set([...]);      // validated, readable via sim.commands()
 *   const { id } = sim.sendInteraction({ kind: 'command', name: 'voxoz', subcommand: 'deploy', options: { app: 'web' } });
 *   await sim.waitForResponse(id);                      // then sim.messages(sim.channelId) ...
 *   sim.advanceClock(15 * 60_000);                      // interaction webhook tokens expire
 *   await client.destroy(); await sim.close();
 *
 * Give discord.js its own `makeRequest` fetch when @slack/bolt is loaded in the same process
 * (otherwise its uploads fail with "action is not a function").
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { PermissionFlagsBits, type APIThreadChannel } from 'discord-api-types/v10';
import type { DiscordSimulator } from './api.ts';
import { createClock, createSnowflakes } from './clock.ts';
import { textChannel, type World } from './entities.ts';
import { SimGateway } from './gateway.ts';
import { createRestHandler } from './http-server.ts';
import { buildInteraction } from './interactions.ts';
import { DEFAULT_RATE_LIMITS, RateLimiter } from './rate-limiter.ts';
import { appRoutes } from './routes-app.ts';
import { channelRoutes } from './routes-channels.ts';
import { interactionRoutes } from './routes-interactions.ts';
import { SimStore, type SimContext } from './store.ts';
import type { DiscordSimulatorOptions } from './types.ts';

export type { DiscordSimulator } from './api.ts';
export type { InteractionSpec, SentInteraction, SimUserSpec } from './interactions.ts';
export type { ModalSubmitSpec } from './modal-submit.ts';
export type { ModalTextInput } from './validate-modal.ts';
export type * from './types.ts';
export { DEFAULT_RATE_LIMITS } from './rate-limiter.ts';
export { RESPONSE_WINDOW_MS, TOKEN_LIFETIME_MS } from './routes-interactions.ts';

const P = PermissionFlagsBits;
/** Default bot permissions: view, send, send in threads, create public threads, embed, attach, history. */
export const DEFAULT_BOT_PERMISSIONS =
  P.ViewChannel |
  P.SendMessages |
  P.SendMessagesInThreads |
  P.CreatePublicThreads |
  P.EmbedLinks |
  P.AttachFiles |
  P.ReadMessageHistory |
  P.UseApplicationCommands;

/**
 * Starts a Discord simulator on 127.0.0.1 (random port): REST v10 under `/api/v10`, the
 * gateway at `/gateway`, attachment bytes under `/cdn/attachments`. See `DiscordSimulator`.
 */
export async function startDiscordSimulator(opts: DiscordSimulatorOptions = {}): Promise<DiscordSimulator> {
  const clock = createClock(opts.now);
  const snowflake = createSnowflakes(clock);
  const world: World = {
    applicationId: snowflake(),
    botUserId: snowflake(),
    guildId: snowflake(),
    channelId: snowflake(),
    botPermissions: opts.botPermissions ?? DEFAULT_BOT_PERMISSIONS,
    createdAt: clock.now(),
  };
  const token =
    opts.token ??
    `${Buffer.from(world.botUserId).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
  const store = new SimStore();
  store.addChannel(textChannel(world));
  const events = new EventEmitter();
  let port = 0;
  const limiter = new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...opts.rateLimits }, clock);
  const gatewayUrl = () => `ws://127.0.0.1:${port}/gateway`;
  const hooks = { dispatch: (t: string, d: unknown, intent?: number) => void gateway.dispatch(t, d, intent) };
  const ctx: SimContext = {
    world,
    clock,
    snowflake,
    store,
    limiter,
    token,
    events,
    gateway: hooks,
    maxUploadBytes: opts.maxUploadBytes ?? 10 * 1024 * 1024,
    origin: () => `http://127.0.0.1:${port}`,
  };
  const gateway: SimGateway = new SimGateway(ctx, {
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250,
    privilegedIntents: opts.privilegedIntents ?? 0,
    events,
    url: gatewayUrl,
  });
  const routes = [...appRoutes(gatewayUrl, () => Math.max(0, 1000 - gateway.stats.identifies)), ...interactionRoutes(), ...channelRoutes()];
  const rest = createRestHandler(ctx, routes);
  const server = createServer((req, res) => {
    rest(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: `simulator error: ${(e as Error).message}`, code: 0 }));
    });
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const pending = new Set<{ timer: NodeJS.Timeout; reject: (e: Error) => void }>();

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl: gatewayUrl(),
    token,
    applicationId: world.applicationId,
    guildId: world.guildId,
    channelId: world.channelId,
    botUserId: world.botUserId,
    calls: store.calls,
    events,
    advanceClock: (ms) => clock.advance(ms),
    now: () => clock.now(),
    sendInteraction(spec) {
      const state = buildInteraction(ctx, spec);
      if (gateway.sessions.size === 0) throw new Error('sendInteraction: no gateway session (log a client in first)');
      store.interactions.set(state.id, state);
      gateway.dispatch('INTERACTION_CREATE', state.payload);
      return { id: state.id, token: state.token, payload: state.payload };
    },
    waitForResponse(interactionId, timeoutMs = 5000) {
      const it = store.interactions.get(interactionId);
      if (!it) return Promise.reject(new Error(`waitForResponse: unknown interaction ${interactionId}`));
      if (it.response) return Promise.resolve(it.response);
      return new Promise((resolve, reject) => {
        const entry = {
          timer: setTimeout(() => {
            pending.delete(entry);
            reject(new Error(`waitForResponse: no response to ${interactionId} within ${timeoutMs} ms`));
          }, timeoutMs),
          reject,
        };
        pending.add(entry);
        it.waiters.push((r) => {
          clearTimeout(entry.timer);
          pending.delete(entry);
          resolve(r);
        });
      });
    },
    interactionResponse: (id) => store.interactions.get(id)?.response,
    modal: (id) => store.interactions.get(id)?.modal,
    messages: (channelId) => (store.channelMessages.get(channelId) ?? []).flatMap((id) => store.messages.get(id)?.current ?? []),
    message: (id) => store.messages.get(id),
    threads: () => [...store.channels.values()].filter((c): c is APIThreadChannel => c.type === 11 || c.type === 12),
    channel: (id) => store.channels.get(id),
    attachments(messageId) {
      const current = new Set(store.messages.get(messageId)?.current.attachments.map((a) => a.id));
      return (store.attachments.get(messageId) ?? []).filter((a) => current.has(a.id));
    },
    commands: (guildId) => (guildId ? (store.commands.guild.get(guildId) ?? []) : store.commands.global),
    breaches: () => limiter.breaches,
    invalidRequests: () => limiter.invalidCount(),
    gatewayStats: () => gateway.getStats(),
    dispatches: () => [...gateway.dispatches],
    requestReconnect: () => gateway.requestReconnect(),
    invalidateSession: (resumable) => gateway.invalidateSession(resumable),
    closeWith: (code, reason) => gateway.closeWith(code, reason),
    dispatch: (t, d, intent) => gateway.dispatch(t, d, intent),
    async close() {
      for (const p of pending) {
        clearTimeout(p.timer);
        p.reject(new Error('simulator closed'));
      }
      pending.clear();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      events.removeAllListeners();
    },
  };
}
