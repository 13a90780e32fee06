import type { App, RespondArguments } from '@slack/bolt';
import type { Reply } from '../../src/core/types.ts';
import type { Dispatcher, Outcome } from '../../src/dispatch/dispatcher.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { renderBlocks } from './render-blocks.ts';
import { commandToInvocation, mentionToInvocation } from './to-invocation.ts';
import { notServedReply, slackScope, type SlackOrigin, type SlackScope } from './team-scope.ts';
import { toInteraction } from './to-interaction.ts';
import { formUnavailable, openRejectForm, registerRejectForm } from './register-reject-form.ts';

export interface HandlerDeps {
  dispatcher: Dispatcher;
  log: Logger;
  /**
   * Longest a slash command waits for the dispatcher before it is acked with "working on it"
   * and answered later through its response_url; Slack gives up at 3 s. @defaultValue 2000
   */
  ackBudgetMs?: number;
  /** Which workspaces (and whose members) are served. @defaultValue every workspace, only its own members */
  scope?: SlackScope;
}

/** An ephemeral answer, as an ack body or a response_url post. */
export const ephemeral = (reply: Reply): RespondArguments => ({
  response_type: 'ephemeral',
  replace_original: false,
  ...renderBlocks(reply),
});

const outcomeReply = (outcome: Outcome): Reply => outcome.reply;

function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Wires Bolt to the dispatcher, the same for HTTP and Socket Mode. Slash commands are acked
 * with the dispatcher's answer (help, a parse error, a refusal, "queued", "queue unavailable"),
 * shown only to the invoker; a dispatcher slower than the ack budget is acked at once and
 * answered through the response_url. Button clicks are acked first and answered ephemerally;
 * Reject first opens a form for its reason (register-reject-form.ts), answered on submission.
 * `@voxoz …` mentions run commands too, answered ephemerally; retries of one event are one job.
 */
export function registerHandlers(app: App, deps: HandlerDeps): void {
  const budget = deps.ackBudgetMs ?? 2000;
  const scope = deps.scope ?? slackScope(undefined);
  const refused = (kind: string, origin: SlackOrigin, user: string | undefined): string | undefined => {
    const why = scope(origin);
    if (why) deps.log.warn('slack request refused: not a workspace voxoz serves', { kind, ...origin, user, why });
    return why;
  };
  app.command(/^\/.+/, async ({ command, ack, respond }) => {
    const why = refused('command', { team: command.team_id }, command.user_id);
    if (why) {
      await ack(ephemeral(notServedReply(why)));
      return;
    }
    const work = deps.dispatcher.handle(commandToInvocation(command, deps.dispatcher.now()));
    const outcome = await within(work, budget);
    if (outcome) {
      await ack(ephemeral(outcomeReply(outcome)));
      return;
    }
    await ack(ephemeral({ title: 'working on it', status: 'info', text: 'voxoz is slower than usual; the answer follows here.' }));
    await respond(ephemeral(outcomeReply(await work)));
  });

  app.action({ type: 'block_actions' }, async ({ ack, body, action, respond, client }) => {
    await ack();
    if (action.type !== 'button' || body.type !== 'block_actions') return;
    const why = refused('click', { team: body.team?.id ?? body.user.team_id, userTeam: body.user.team_id }, body.user.id);
    if (why) {
      await respond(ephemeral(notServedReply(why)));
      return;
    }
    if (action.action_id === 'reject') {
      // Reject asks for a reason first; the answer to the click follows the form's submission.
      const container = body.container as { channel_id?: string; thread_ts?: string } | undefined;
      const channel = container?.channel_id ?? body.channel?.id ?? 'unknown';
      const ctx = { approval: action.value ?? '', channel, ...(container?.thread_ts ? { thread: container.thread_ts } : {}) };
      const failed = await openRejectForm(client, body.trigger_id, ctx, deps.log);
      if (failed) await respond(ephemeral(formUnavailable(ctx.approval, failed)));
      return;
    }
    const reply = await deps.dispatcher.interact(
      toInteraction(body, { action_id: action.action_id, value: action.value, action_ts: action.action_ts }),
    );
    await respond(ephemeral(reply));
  });

  registerRejectForm(app, { dispatcher: deps.dispatcher, log: deps.log, refused });

  app.event('app_mention', async ({ event, body, client }) => {
    const why = refused('mention', { team: body.team_id, userTeam: (event as { user_team?: string }).user_team }, event.user);
    if (why) {
      if (event.user) await client.chat.postEphemeral({ channel: event.channel, user: event.user, ...renderBlocks(notServedReply(why)) });
      return;
    }
    const invocation = mentionToInvocation(event, body.team_id, body.event_id, deps.dispatcher.now());
    if (!invocation || !event.user) return;
    const outcome = await deps.dispatcher.handle(invocation);
    if (outcome.type === 'queued' && outcome.duplicate) return;
    await client.chat.postEphemeral({ channel: event.channel, user: event.user, ...renderBlocks(outcome.reply) });
  });

  app.error(async (err) => {
    deps.log.warn('slack handler failed', { err: err.message, code: (err as { code?: string }).code });
  });
}
