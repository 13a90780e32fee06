import type { ChatUser, Invocation } from '../../src/core/types.ts';

/** The slash command fields voxoz reads (Bolt's SlashCommand has more). */
export interface SlashCommandFields {
  team_id: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  text: string;
  trigger_id: string;
}

/**
 * A Slack user as voxoz knows them: `slack:<team>/<user>`. The display name is for messages
 * only; authorisation compares ids, which a user cannot change.
 */
export function slackUser(team: string, user: string, name?: string): ChatUser {
  return { id: `slack:${team}/${user}`, name: name || user };
}

/**
 * A slash command as a neutral Invocation. The trigger_id is the delivery id: Slack's retry
 * of the same command carries the same trigger_id, so it maps to the same job id and queues
 * once; a second, separate command gets a new trigger_id.
 */
export function commandToInvocation(cmd: SlashCommandFields, receivedAt: Date): Invocation {
  return {
    platform: 'slack',
    user: slackUser(cmd.team_id, cmd.user_id, cmd.user_name),
    conversation: cmd.channel_id,
    text: cmd.text.trim(),
    receivedAt,
    deliveryId: cmd.trigger_id,
  };
}

/** The app_mention event fields voxoz reads. */
export interface MentionFields {
  user?: string;
  text: string;
  channel: string;
  ts: string;
  thread_ts?: string;
}

/**
 * `@voxoz deploy hello` in a channel as an Invocation. The event_id is the delivery id, so
 * Slack's retries of one event (`X-Slack-Retry-Num`) queue one job. Mentions of users and the
 * bot are stripped from the text.
 */
export function mentionToInvocation(event: MentionFields, team: string, eventId: string, receivedAt: Date): Invocation | undefined {
  if (!event.user) return undefined;
  return {
    platform: 'slack',
    user: slackUser(team, event.user),
    conversation: event.channel,
    ...(event.thread_ts ? { thread: event.thread_ts } : {}),
    text: event.text
      .replace(/<@[A-Z0-9]+(\|[^>]*)?>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
    receivedAt,
    deliveryId: eventId,
  };
}
