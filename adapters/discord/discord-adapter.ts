import { once } from 'node:events';
import { Events, type Client } from 'discord.js';
import { Routes, type APIInteraction, type GatewayDispatchPayload } from 'discord-api-types/v10';
import type { ChatAdapter } from '../../src/core/chat-adapter.ts';
import type { RelayLimits } from '../../src/relay/chat-surface.ts';
import type { AdapterDeps } from '../adapter-deps.ts';
import { answerInteraction, type InteractionResponder } from './answer-interaction.ts';
import { commandDefinitions } from './command-definitions.ts';
import { createDiscordClient } from './discord-client.ts';
import { createDiscordSurface } from './discord-surface.ts';
import { watchGateway } from './gateway-faults.ts';
import { httpInteractionsMount } from './http-interactions.ts';
import { registerCommands } from './register-commands.ts';
import { createReplyTracker } from './reply-tracker.ts';
import { discordPublicKey } from './verify-signature.ts';

export interface DiscordAdapterOptions {
  /** Longest the dispatcher may take before an interaction is deferred. @defaultValue 2000 */
  budgetMs?: number;
  limits?: RelayLimits;
  /** REST retries on 5xx and network errors. @defaultValue 3 */
  restRetries?: number;
  /** Longest start() waits for the gateway's READY. @defaultValue 30000 */
  readyTimeoutMs?: number;
}

/**
 * Discord for voxoz: discord.js on the gateway (Guilds intent only; no privileged intents)
 * receives `/voxoz` commands, buttons and autocomplete; the relay posts through a surface on the
 * same REST client, so one process keeps one view of every rate-limit bucket. Its REST uses a
 * fetch of its own (discord.js's bundled undici breaks uploads once Bolt is loaded) and
 * rejects instead of waiting on relay routes, so a busy bucket delays one job, never the relay.
 */
export function createDiscordAdapter(deps: AdapterDeps, opts: DiscordAdapterOptions = {}): ChatAdapter & { client: Client } {
  const settings = deps.settings.discord!;
  const log = deps.log.child({ part: 'discord' });
  const client = createDiscordClient({ token: settings.token, apiUrl: settings.apiUrl, retries: opts.restRetries ?? 3 });
  const rest = client.rest;
  const tracker = createReplyTracker();
  const interactionDeps = {
    dispatcher: deps.dispatcher,
    registry: deps.registry,
    config: deps.config,
    log,
    tracker,
    guildIds: settings.guildIds,
    ...(opts.budgetMs ? { budgetMs: opts.budgetMs } : {}),
  };
  const editOriginal = (raw: APIInteraction, body: unknown) =>
    rest.patch(Routes.webhookMessage(settings.applicationId, raw.token), { body, auth: false }).then(() => undefined);
  const gatewayResponder = (raw: APIInteraction): InteractionResponder => ({
    async callback(body) {
      const res = (await rest.post(Routes.interactionCallback(raw.id, raw.token), {
        body,
        auth: false,
        query: new URLSearchParams({ with_response: 'true' }),
      })) as { resource?: { message?: { id: string } } } | undefined;
      return res?.resource?.message?.id ? { messageId: res.resource.message.id } : {};
    },
    editOriginal: (body) => editOriginal(raw, body),
  });
  client.on(Events.Raw, (packet: GatewayDispatchPayload) => {
    if (packet.t !== 'INTERACTION_CREATE') return;
    answerInteraction(packet.d, gatewayResponder(packet.d), interactionDeps).catch((err: unknown) =>
      log.warn('discord interaction failed', { id: packet.d.id, err }),
    );
  });
  const gateway = watchGateway(client, log);
  const mounts = settings.publicKey
    ? [
        httpInteractionsMount({
          publicKey: discordPublicKey(settings.publicKey),
          log,
          answer: (raw, respond) => answerInteraction(raw, respond, interactionDeps),
          editOriginal,
        }),
      ]
    : [];
  let started = false;
  return {
    client,
    surface: createDiscordSurface({
      rest,
      applicationId: settings.applicationId,
      log,
      tracker,
      ...(opts.limits ? { limits: opts.limits } : {}),
    }),
    mounts,
    async start() {
      const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(opts.readyTimeoutMs ?? 30_000) });
      ready.catch(() => undefined);
      try {
        await client.login(settings.token);
        await ready.catch(() => {
          throw new Error(`discord gateway not ready (${gateway.fatal() ? `closed with ${gateway.fatal()}` : 'timed out'})`);
        });
      } catch (err) {
        await client.destroy();
        throw err;
      }
      started = true;
      const reg = await registerCommands(rest, settings.applicationId, commandDefinitions(deps.registry.commands), settings.guildId);
      log.info('discord connected', {
        bot: client.user?.id,
        commands: reg.changed ? 'registered' : 'unchanged',
        scope: settings.guildId ? `guild ${settings.guildId}` : 'global',
      });
      if (reg.removedGlobal.length > 0)
        log.info('discord: removed the stale global command(s); /voxoz is registered in one guild now', {
          removed: reg.removedGlobal,
          guild: settings.guildId,
        });
      if (!settings.guildIds)
        log.warn(
          'voxoz serves every Discord guild it is in (DISCORD_GUILD_IDS is unset); set DISCORD_GUILD_IDS to the guilds it should serve',
        );
    },
    connected: () => started && client.isReady(),
    async stop() {
      if (!started) return;
      started = false;
      await client.destroy();
    },
  };
}
