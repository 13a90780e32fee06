import { InteractionResponseType, InteractionType, type APIInteraction } from 'discord-api-types/v10';
import type { LoadedConfig } from '../../src/config/load-config.ts';
import type { CommandRegistry } from '../../src/dispatch/command-registry.ts';
import type { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { autocompleteApps } from './autocomplete-apps.ts';
import { answerComponent } from './answer-component.ts';
import { guildRefusal, type InteractionPlace } from './guild-scope.ts';
import type { InteractionResponder } from './interaction-responder.ts';
import { deferEphemeral, ephemeral, within } from './interaction-replies.ts';
import { renderMessage } from './render-embeds.ts';
import type { ReplyTracker } from './reply-tracker.ts';
import { commandToInvocation, interactionUser } from './to-invocation.ts';

export type { InteractionResponder } from './interaction-responder.ts';

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

/**
 * Handles one interaction, the same for the gateway and the HTTP endpoint:
 * - `/voxoz …`: to an Invocation → dispatcher. Help, parse errors, refusals and failures are
 *   answered ephemerally. A queued job is answered publicly: that message becomes the job's
 *   parent (the relay edits it in place and starts the log thread from it). A dispatcher slower
 *   than the budget gets an ephemeral deferral; the relay then posts the parent itself.
 *   A redelivered interaction already handled here is ignored; one handled elsewhere maps to
 *   the same job (dispatcher dedup) and is acknowledged ephemerally, if it still can be.
 * - buttons and forms: answer-component.ts (a neutral Interaction → dispatcher.interact, ephemeral
 *   answer; Reject opens a form for its reason first).
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
  if (raw.type === InteractionType.MessageComponent || raw.type === InteractionType.ModalSubmit) {
    await answerComponent(raw, respond, deps.dispatcher, budget);
    return;
  }
  if (raw.type !== InteractionType.ApplicationCommand || raw.data.type !== 1) {
    await respond.callback(
      ephemeral({ title: 'not supported', status: 'error', text: 'voxoz answers /voxoz commands, its own buttons and its own forms.' }),
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
  // Every bot process on the gateway gets every interaction; the one whose enqueue came first answers (its job, its parent message).
  if (outcome.type === 'queued' && outcome.duplicate && !respond.answersEveryDelivery) {
    // That answer is the job's parent, whichever process relays the job: a relay here edits it through the token (not a new post).
    deps.tracker.settle(raw.id, { ephemeral: false });
    deps.log.debug('interaction queued by another bot process; it answers', { id: raw.id, job: outcome.jobId });
    return;
  }
  deps.tracker.settle(raw.id, { ephemeral: true });
  await respond.callback(
    ephemeral(outcome.type === 'queued' ? { ...outcome.reply, title: `${outcome.reply.title} (already received)` } : outcome.reply),
  );
}
