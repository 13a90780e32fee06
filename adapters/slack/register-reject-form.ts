import type { App } from '@slack/bolt';
import type { Reply } from '../../src/core/types.ts';
import type { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { rejectModal, REJECT_CALLBACK_ID, submissionToInteraction, type RejectFormContext } from './reject-form.ts';
import { renderBlocks } from './render-blocks.ts';
import { notServedReply, type SlackOrigin } from './team-scope.ts';

export interface RejectFormDeps {
  dispatcher: Dispatcher;
  log: Logger;
  /** The workspace check every request passes (register-handlers' `refused`). */
  refused(kind: string, origin: SlackOrigin, user: string | undefined): string | undefined;
}

/** What a Reject click answers when Slack would not open the form (e.g. the click's trigger_id expired). */
export const formUnavailable = (approval: string, why: string): Reply => ({
  title: 'reject: the form did not open',
  status: 'error',
  ephemeral: true,
  text: `Slack did not open the Reject form (${why}); nothing was decided. Click Reject again, or type "reject ${approval} [reason]".`,
});

/**
 * Opens the Reject form for a click, with the click's trigger_id (Slack takes it once, within
 * 3 s of the click: the click is acked first, then this runs at once). Resolves with why it did
 * not open, or undefined when it did; the answer to the click then follows the submission.
 */
export async function openRejectForm(
  client: App['client'],
  triggerId: string,
  ctx: RejectFormContext,
  log: Logger,
): Promise<string | undefined> {
  try {
    const res = await client.views.open({ trigger_id: triggerId, view: rejectModal(ctx) });
    return res.ok ? undefined : (res.error ?? 'views.open failed');
  } catch (err) {
    const why = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
    log.warn('slack reject form not opened', { approval: ctx.approval, why });
    return why;
  }
}

/**
 * The Reject form's submission: acked at once with an empty body (Slack closes the form), then
 * decided through the dispatcher like any click, its answer shown to the submitter alone
 * (chat.postEphemeral where the approval message is: a view_submission has no response_url).
 */
export function registerRejectForm(app: App, deps: RejectFormDeps): void {
  app.view({ callback_id: REJECT_CALLBACK_ID, type: 'view_submission' }, async ({ ack, body, client }) => {
    await ack();
    if (body.type !== 'view_submission') return;
    const form = submissionToInteraction(body);
    if (!form) {
      deps.log.warn('slack reject form refused: its metadata is not one voxoz wrote', { user: body.user.id, view: body.view.id });
      return;
    }
    const why = deps.refused('form', { team: body.team?.id ?? body.user.team_id, userTeam: body.user.team_id }, body.user.id);
    const reply = why ? notServedReply(why) : await deps.dispatcher.interact(form.interaction);
    await client.chat
      .postEphemeral({
        channel: form.ctx.channel,
        user: body.user.id,
        ...(form.ctx.thread ? { thread_ts: form.ctx.thread } : {}),
        ...renderBlocks(reply),
      })
      .catch((err: Error) => deps.log.warn('slack reject answer not shown', { user: body.user.id, err: err.message }));
  });
}
