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
 * A button click as a neutral Interaction. The delivery id names the message, the button and
 * the clicker, so a double-click (or Slack re-sending it) is one decision; another user's
 * click on the same button is a separate one.
 */
export function toInteraction(body: BlockActionFields, action: { action_id: string; value?: string }): Interaction {
  const team = body.user.team_id ?? body.team?.id ?? 'unknown';
  const channel = body.container?.channel_id ?? body.channel?.id ?? 'unknown';
  const messageTs = body.container?.message_ts ?? body.message?.ts ?? 'unknown';
  return {
    platform: 'slack',
    user: slackUser(team, body.user.id, body.user.username ?? body.user.name),
    conversation: channel,
    action: action.action_id,
    value: action.value ?? '',
    deliveryId: `${channel}/${messageTs}/${action.action_id}/${team}/${body.user.id}`,
  };
}
