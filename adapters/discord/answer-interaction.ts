import { InteractionResponseType, InteractionType, type APIInteraction, type APIInteractionResponse } from 'discord-api-types/v10';
import type { LoadedConfig } from '../../src/config/load-config.ts';
import type { Reply } from '../../src/core/types.ts';
import type { CommandRegistry } from '../../src/dispatch/command-registry.ts';
import type { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { autocompleteApps } from './autocomplete-apps.ts';
import { decodeButtonId } from './button-id.ts';
import { guildRefusal, type InteractionPlace } from './guild-scope.ts';
import { renderMessage, type DiscordMessage } from './render-embeds.ts';
import type { ReplyTracker } from './reply-tracker.ts';
import { commandToInvocation, interactionUser } from './to-invocation.ts';

/** How an interaction is answered: over REST (gateway) or in the HTTP response (interactions endpoint). */
export interface InteractionResponder {
  /** The first response (once, within 3 s); resolves with the created message's id when known. */
  callback(body: APIInteractionResponse): Promise<{ messageId?: string }>;
  /** Replaces the first response's message (after a deferral). */
  editOriginal(body: DiscordMessage): Promise<void>;
  /** True when every delivery needs its own answer (an HTTP request waits for one); over the gateway a redelivery is ignored. */
  answersEveryDelivery?: boolean;
}

export interface InteractionDeps {
  dispatcher: Dispatcher;
  registry: CommandRegistry;
  config: () => LoadedConfig;
  log: Logger;
  tracker: ReplyTracker;
  /** Longest the dispatcher may take before the interaction is deferred; Discord gives up at 3 s. @defaultValue 2000 */
  budgetMs?: number;
  /** DISCORD_GUILD_IDS: the guilds served. @defaultValue undefined: every guild (never DMs) */
  guildIds?: readonly string[];
}

const EPHEMERAL = 64;
const ephemeral = (reply: Reply): APIInteractionResponse => ({
  type: InteractionResponseType.ChannelMessageWithSource,
  data: renderMessage({ ...reply, ephemeral: true }) as never,
});
const deferEphemeral: APIInteractionResponse = {
  type: InteractionResponseType.DeferredChannelMessageWithSource,
  data: { flags: EPHEMERAL },
};

function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Answers `work` at once if it is quick, else defers (ephemerally) and edits the answer in later. */
async function answerSoon(respond: InteractionResponder, work: Promise<Reply>, ms: number): Promise<void> {
  const reply = await within(work, ms);
  if (reply) {
    await respond.callback(ephemeral(reply));
    return;
  }
  await respond.callback(deferEphemeral);
  await respond.editOriginal(renderMessage({ ...(await work), ephemeral: true }));
}

/**
 * Handles one interaction, the same for the gateway and the HTTP endpoint:
 * - `/voxoz …`: to an Invocation → dispatcher. Help, parse errors, refusals and failures are
 *   answered ephemerally. A queued job is answered publicly: that message becomes the job's
 *   parent (the relay edits it in place and starts the log thread from it). A dispatcher slower
 *   than the budget gets an ephemeral deferral; the relay then posts the parent itself.
 *   A redelivered interaction already handled here is ignored; one handled elsewhere maps to
 *   the same job (dispatcher dedup) and is acknowledged ephemerally, if it still can be.
 * - buttons: neutral Interaction (delivery id = interaction id) → dispatcher.interact, ephemeral answer.
 * - autocomplete: app names from config.
 */
export async function answerInteraction(raw: APIInteraction, respond: InteractionResponder, deps: InteractionDeps): Promise<void> {
  const budget = deps.budgetMs ?? 2000;
  if (raw.type === InteractionType.Ping) {
    await respond.callback({ type: InteractionResponseType.Pong });
    return;
  }
  const refusal = guildRefusal(raw as InteractionPlace, deps.guildIds);
  if (refusal) {
    deps.log.warn('discord interaction refused: not a guild voxoz serves', {
      id: raw.id,
      type: raw.type,
      guild: raw.guild_id,
      user: interactionUser(raw)?.id,
      why: refusal,
    });
    if (raw.type === InteractionType.ApplicationCommandAutocomplete)
      await respond.callback({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: [] } });
    else
      await respond.callback(
        ephemeral({
          title: 'not served here',
          status: 'error',
          text: `voxoz does not take commands from here: ${refusal}. Ask the people who run voxoz to add this server to DISCORD_GUILD_IDS.`,
        }),
      );
    return;
  }
  if (raw.type === InteractionType.ApplicationCommandAutocomplete) {
    const choices = autocompleteApps(
      deps.registry,
      deps.config().apps.map((a) => a.name),
      raw.data.options as never,
    );
    await respond.callback({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices } });
    return;
  }
  if (raw.type === InteractionType.MessageComponent) {
    const button = decodeButtonId(raw.data.custom_id);
    const user = interactionUser(raw);
    if (!button || !user) {
      await respond.callback(
        ephemeral({
          title: 'unknown button',
          status: 'error',
          text: "This button is not one of voxoz's; it may be from an older version.",
        }),
      );
      return;
    }
    const work = deps.dispatcher.interact({
      platform: 'discord',
      user,
      conversation: raw.channel?.id ?? raw.channel_id ?? 'unknown',
      action: button.action,
      value: button.value,
      deliveryId: raw.id,
    });
    await answerSoon(respond, work, budget);
    return;
  }
  if (raw.type !== InteractionType.ApplicationCommand || raw.data.type !== 1) {
    await respond.callback(
      ephemeral({ title: 'not supported', status: 'error', text: 'voxoz answers /voxoz commands and its own buttons.' }),
    );
    return;
  }
  if (!deps.tracker.begin(raw.id)) {
    deps.log.debug('interaction redelivered; already handled here', { id: raw.id });
    if (respond.answersEveryDelivery)
      await respond.callback(
        ephemeral({ title: 'already received', status: 'info', text: 'This command was already received; it runs once.' }),
      );
    return;
  }
  const built = commandToInvocation(raw as never, deps.registry, deps.dispatcher.now());
  if (!built.ok) {
    deps.tracker.settle(raw.id, { ephemeral: true });
    await respond.callback(ephemeral({ title: 'invalid arguments', status: 'error', text: `• ${built.problem}` }));
    return;
  }
  const work = deps.dispatcher.handle(built.invocation);
  const outcome = await within(work, budget);
  if (!outcome) {
    deps.tracker.settle(raw.id, { ephemeral: true });
    await respond.callback(deferEphemeral);
    await respond.editOriginal(renderMessage({ ...(await work).reply, ephemeral: true }));
    return;
  }
  if (outcome.type === 'queued' && !outcome.duplicate) {
    const sent = await respond
      .callback({
        type: InteractionResponseType.ChannelMessageWithSource,
        data: renderMessage({ ...outcome.reply, ephemeral: false }) as never,
      })
      .catch((err: unknown) => {
        deps.tracker.settle(raw.id, { ephemeral: true });
        throw err;
      });
    deps.tracker.settle(raw.id, { ephemeral: false, ...(sent.messageId ? { messageId: sent.messageId } : {}) });
    return;
  }
  deps.tracker.settle(raw.id, { ephemeral: true });
  await respond.callback(
    ephemeral(outcome.type === 'queued' ? { ...outcome.reply, title: `${outcome.reply.title} (already received)` } : outcome.reply),
  );
}
