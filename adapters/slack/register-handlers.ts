import type { App, RespondArguments } from '@slack/bolt';
import type { Reply } from '../../src/core/types.ts';
import type { Dispatcher, Outcome } from '../../src/dispatch/dispatcher.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { renderBlocks } from './render-blocks.ts';
import { commandToInvocation, mentionToInvocation } from './to-invocation.ts';
import { toInteraction } from './to-interaction.ts';

export interface HandlerDeps {
  dispatcher: Dispatcher;
  log: Logger;
  /**
   * Longest a slash command waits for the dispatcher before it is acked with "working on it"
   * and answered later through its response_url; Slack gives up at 3 s. @defaultValue 2000
   */
  ackBudgetMs?: number;
}

/** An ephemeral answer, as an ack body or a response_url post. */
export const ephemeral = (reply: Reply): RespondArguments => ({ response_type: 'ephemeral', replace_original: false, ...renderBlocks(reply) });

const outcomeReply = (outcome: Outcome): Reply => outcome.reply;

function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), ms); });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Wires Bolt to the dispatcher, the same for HTTP and Socket Mode. Slash commands are acked
 * with the dispatcher's answer (help, a parse error, a refusal, "queued", "queue unavailable"),
 * shown only to the invoker; a dispatcher slower than the ack budget is acked at once and
 * answered through the response_url. Button clicks are acked first and answered ephemerally.
 * `@voxoz …` mentions run commands too, answered ephemerally; retries of one event are one job.
 */
export function registerHandlers(app: App, deps: HandlerDeps): void {
  const budget = deps.ackBudgetMs ?? 2000;
  app.command(/^\/.+/, async ({ command, ack, respond }) => {
    const work = deps.dispatcher.handle(commandToInvocation(command, new Date()));
    const outcome = await within(work, budget);
    if (outcome) {
      await ack(ephemeral(outcomeReply(outcome)));
      return;
    }
    await ack(ephemeral({ title: 'working on it', status: 'info', text: 'voxoz is slower than usual; the answer follows here.' }));
    await respond(ephemeral(outcomeReply(await work)));
  });

  app.action({ type: 'block_actions' }, async ({ ack, body, action, respond }) => {
    await ack();
    if (action.type !== 'button' || body.type !== 'block_actions') return;
    const reply = await deps.dispatcher.interact(toInteraction(body, { action_id: action.action_id, value: action.value, action_ts: action.action_ts }));
    await respond(ephemeral(reply));
  });

  app.event('app_mention', async ({ event, body, client }) => {
    const invocation = mentionToInvocation(event, body.team_id, body.event_id, new Date());
    if (!invocation || !event.user) return;
    const outcome = await deps.dispatcher.handle(invocation);
    if (outcome.type === 'queued' && outcome.duplicate) return;
    await client.chat.postEphemeral({ channel: event.channel, user: event.user, ...renderBlocks(outcome.reply) });
  });

  app.error(async (err) => {
    deps.log.warn('slack handler failed', { err: err.message, code: (err as { code?: string }).code });
  });
}
