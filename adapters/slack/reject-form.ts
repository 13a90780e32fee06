import type { types } from '@slack/bolt';
import type { Interaction } from '../../src/core/types.ts';
import { cleanReason, REASON_MAX } from '../reject-reason.ts';
import { slackUser } from './to-invocation.ts';

/** The callback_id of the Reject form; its view_submission comes back under it. */
export const REJECT_CALLBACK_ID = 'voxoz-reject';
const BLOCK_ID = 'reason';
const ACTION_ID = 'reason';

/** What the form carries in `private_metadata` (Slack returns it unchanged, in a signed payload). */
export interface RejectFormContext {
  /** The approval id, the Reject button's value. */
  approval: string;
  /** Where the approval message is, so the answer is shown there. */
  channel: string;
  /** The thread the message is a reply in, if it is one. */
  thread?: string;
}

/** The Reject form: one optional reason (at most REASON_MAX characters), Reject / Cancel. */
export function rejectModal(ctx: RejectFormContext): types.ModalView {
  return {
    type: 'modal',
    callback_id: REJECT_CALLBACK_ID,
    private_metadata: JSON.stringify({ a: ctx.approval, c: ctx.channel, ...(ctx.thread ? { t: ctx.thread } : {}) }),
    title: { type: 'plain_text', text: 'Reject request' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Reject \`${ctx.approval}\`? Nothing it asks for will run.` } },
      {
        type: 'input',
        block_id: BLOCK_ID,
        optional: true,
        label: { type: 'plain_text', text: 'Reason' },
        hint: { type: 'plain_text', text: 'Shown in the request’s message. You may leave it empty.' },
        element: {
          type: 'plain_text_input',
          action_id: ACTION_ID,
          multiline: true,
          max_length: REASON_MAX,
          placeholder: { type: 'plain_text', text: 'e.g. v5 has the login bug' },
        },
      },
    ],
  };
}

/** The view_submission fields voxoz reads. */
export interface RejectSubmission {
  user: { id: string; name?: string; username?: string; team_id?: string };
  team?: { id: string } | null;
  view: {
    id: string;
    private_metadata: string;
    state: { values: Record<string, Record<string, { value?: string | null }>> };
  };
}

/**
 * The submitted form as a Reject interaction, with its context; undefined when its metadata is
 * not one voxoz wrote. The delivery id is the view's and the submitter's: a submitted view is
 * closed, so a second delivery of the same id is a redelivery (Socket Mode retries), while
 * another Reject opens another view.
 */
export function submissionToInteraction(body: RejectSubmission): { interaction: Interaction; ctx: RejectFormContext } | undefined {
  let meta: { a?: unknown; c?: unknown; t?: unknown };
  try {
    meta = JSON.parse(body.view.private_metadata) as typeof meta;
  } catch {
    return undefined;
  }
  if (typeof meta?.a !== 'string' || typeof meta.c !== 'string') return undefined;
  const ctx: RejectFormContext = { approval: meta.a, channel: meta.c, ...(typeof meta.t === 'string' ? { thread: meta.t } : {}) };
  const team = body.user.team_id ?? body.team?.id ?? 'unknown';
  const reason = cleanReason(body.view.state.values[BLOCK_ID]?.[ACTION_ID]?.value);
  return {
    ctx,
    interaction: {
      platform: 'slack',
      user: slackUser(team, body.user.id, body.user.username ?? body.user.name),
      conversation: ctx.channel,
      action: 'reject',
      value: ctx.approval,
      deliveryId: `view/${body.view.id}/${team}/${body.user.id}`,
      ...(reason ? { reason } : {}),
    },
  };
}
