import type { Reply } from '../../src/core/types.ts';

/** Where a Slack request came from: the workspace it arrived through, and the actor's own team when Slack names it. */
export interface SlackOrigin {
  /** `team_id` of a command or event, `team.id` of a click. */
  team?: string;
  /** `user.team_id` of a click, `event.user_team` of a message event; differs from `team` for a Slack Connect member. */
  userTeam?: string;
}

/** Says why a request is refused, or undefined when voxoz serves it. */
export type SlackScope = (origin: SlackOrigin) => string | undefined;

/**
 * The workspaces voxoz serves (SLACK_TEAM_IDS; undefined = every one). A request is served
 * when its workspace is allowed and its actor belongs to that workspace or to another allowed
 * one: a Slack Connect member of another organisation gains nothing from sharing a channel,
 * even when every workspace is served.
 */
export function slackScope(teamIds: readonly string[] | undefined): SlackScope {
  const allowed = teamIds ? new Set(teamIds) : undefined;
  return ({ team, userTeam }) => {
    if (!team) return 'the request names no workspace';
    if (allowed && !allowed.has(team)) return `workspace ${team} is not one this voxoz serves`;
    if (userTeam && userTeam !== team && !allowed?.has(userTeam))
      return `members of other organisations (team ${userTeam}) cannot use this voxoz, even in a shared channel`;
    return undefined;
  };
}

/** The ephemeral answer to a refused request. */
export const notServedReply = (why: string): Reply => ({
  title: 'not served here',
  status: 'error',
  ephemeral: true,
  text: `voxoz does not take commands from here: ${why}. Ask the people who run voxoz to add your workspace to SLACK_TEAM_IDS.`,
});
