import { randomUUID } from 'node:crypto';
import type { Interaction } from '../../src/core/types.ts';
import { slackUser } from './to-invocation.ts';

/** The block_actions fields voxoz reads (Bolt's BlockAction has more). */
export interface BlockActionFields {
  user: { id: string; username?: string; name?: string; team_id?: string };
  team?: { id: string } | null;
  container?: { channel_id?: string; message_ts?: string };
  channel?: { id: string };
  message?: { ts?: string };
}

/**
 * A button click as a neutral Interaction. The delivery id is the click's own: its
 * `action_ts` (Slack's timestamp of that click, the same in every delivery of it) and the
 * clicker, so a redelivered click is one decision while a second click, or another user's
 * click on the same button, is a new one. Without an action_ts a click cannot be told from a
 * redelivery, so it gets an id of its own (every action is idempotent).
 */
export function toInteraction(body: BlockActionFields, action: { action_id: string; value?: string; action_ts?: string }): Interaction {
  const team = body.user.team_id ?? body.team?.id ?? 'unknown';
  const channel = body.container?.channel_id ?? body.channel?.id ?? 'unknown';
  return {
    platform: 'slack',
    user: slackUser(team, body.user.id, body.user.username ?? body.user.name),
    conversation: channel,
    action: action.action_id,
    value: action.value ?? '',
    deliveryId: `${action.action_ts ?? randomUUID()}/${action.action_id}/${team}/${body.user.id}`,
  };
}
