/**
 * Builders of what Slack sends to an app: slash command fields, block_actions payloads and
 * event_callback bodies. Shared by HTTP delivery (inbound.ts) and Socket Mode envelopes.
 */
import { randomBytes } from 'node:crypto';
import type { SimContext } from './context.ts';
import { messageJson } from './methods-chat.ts';

/** The deprecated verification token Slack still puts in payloads. */
export const VERIFICATION_TOKEN = 'simVerificationToken0000';

/** Input of a slash command; every field has a default (`/voxoz`, U0ALICE in C0DEPLOY). */
export interface SlashCommandInput {
  command?: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  trigger_id?: string;
  api_app_id?: string;
  /** Override the response_url (default: a fresh one on the simulator). */
  response_url?: string;
  /** Extra or replacement form fields. */
  extra?: Record<string, string>;
}

/** Input of a button click on a message the bot posted. */
export interface BlockActionInput {
  message_ts: string;
  action_id: string;
  user?: string;
  channel?: string;
  /** Default: the value of the button on the stored message. */
  value?: string;
  block_id?: string;
  response_url?: string;
  /** Allow an action on a message or button the simulator does not know (Slack never does this). */
  allowUnknown?: boolean;
  /**
   * The clicker's own team (`user.team_id`): another organisation's for a Slack Connect member.
   * Slack delivers that only from a channel shared with that team (SimChannel.sharedWith).
   * Default: the workspace's team.
   */
  user_team?: string;
  /** The click's `action_ts`: pass an earlier one to redeliver that click. Default: a new click's (unique, microseconds). */
  action_ts?: string;
}

let lastActionUs = 0;
/** A unique, increasing `action_ts` like Slack's (seconds with microseconds): every click has its own. */
export function actionTs(): string {
  lastActionUs = Math.max(lastActionUs + 1, Date.now() * 1000);
  return `${Math.floor(lastActionUs / 1e6)}.${String(lastActionUs % 1e6).padStart(6, '0')}`;
}

/** A fresh trigger_id. */
export function triggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e12)}.${randomBytes(16).toString('hex')}`;
}

/** A trigger_id (fresh, or `given`) recorded as issued to `user` now: views.open takes it once, within 3 s. */
export function issueTrigger(ctx: SimContext, user: string, given?: string): string {
  const id = given ?? triggerId();
  ctx.store.triggers.set(id, { user, issuedAt: Date.now(), used: false });
  return id;
}

/** Opens a response_url on the simulator and returns `{ id, url }`. */
export function openResponseUrl(ctx: SimContext): { id: string; url: string } {
  const id = ctx.store.nextId('R');
  ctx.store.responseUrls.set(id, []);
  return { id, url: `${ctx.baseUrl}/response/${id}` };
}

/** Slash command form fields (also the Socket Mode `slash_commands` payload). */
export function slashCommandPayload(
  ctx: SimContext,
  input: SlashCommandInput,
): { fields: Record<string, string>; responseUrlId: string | undefined } {
  const c = ctx.config;
  const channelId = input.channel_id ?? 'C0DEPLOY';
  const userId = input.user_id ?? 'U0ALICE';
  const ru = input.response_url === undefined ? openResponseUrl(ctx) : undefined;
  const fields: Record<string, string> = {
    token: VERIFICATION_TOKEN,
    team_id: input.team_id ?? c.teamId,
    team_domain: input.team_domain ?? c.teamDomain,
    channel_id: channelId,
    channel_name: input.channel_name ?? ctx.store.channels.get(channelId)?.name ?? 'unknown',
    user_id: userId,
    user_name: input.user_name ?? ctx.store.users.get(userId) ?? 'someone',
    command: input.command ?? '/voxoz',
    text: input.text ?? '',
    api_app_id: input.api_app_id ?? c.apiAppId,
    is_enterprise_install: 'false',
    response_url: input.response_url ?? ru?.url ?? '',
    trigger_id: issueTrigger(ctx, userId, input.trigger_id),
    ...input.extra,
  };
  return { fields, responseUrlId: ru?.id };
}

type Obj = Record<string, unknown>;

/** Finds a button by action_id in stored blocks. */
function findButton(blocks: unknown[] | undefined, actionId: string): { blockId: string; el: Obj } | undefined {
  for (const [i, b] of (blocks ?? []).entries()) {
    const block = b as Obj;
    const els = block.type === 'actions' ? (block.elements as Obj[]) : block.accessory ? [block.accessory as Obj] : [];
    const el = els.find((e) => e.action_id === actionId);
    if (el) return { blockId: typeof block.block_id === 'string' ? block.block_id : `b${i}`, el };
  }
  return undefined;
}

/** A block_actions payload for a click on a stored message's button. Throws when Slack could not send it. */
export function blockActionPayload(ctx: SimContext, input: BlockActionInput): { payload: Obj; responseUrlId: string | undefined } {
  const c = ctx.config;
  const channel = input.channel ?? 'C0DEPLOY';
  const user = input.user ?? 'U0ALICE';
  const msg = ctx.store.message(channel, input.message_ts);
  const button = findButton(msg?.blocks, input.action_id);
  if ((!msg || !button) && !input.allowUnknown) {
    throw new Error(`slack-sim: no button ${input.action_id} on message ${channel}/${input.message_ts}`);
  }
  const userTeam = input.user_team ?? c.teamId;
  checkSharedWith(ctx, channel, userTeam);
  const ru = input.response_url === undefined ? openResponseUrl(ctx) : undefined;
  const el = button?.el ?? { type: 'button', action_id: input.action_id, text: { type: 'plain_text', text: input.action_id } };
  const action = {
    ...el,
    block_id: input.block_id ?? button?.blockId ?? 'b0',
    action_ts: input.action_ts ?? actionTs(),
    ...(input.value !== undefined ? { value: input.value } : {}),
  };
  const payload: Obj = {
    type: 'block_actions',
    user: { id: user, username: ctx.store.users.get(user) ?? 'someone', name: ctx.store.users.get(user) ?? 'someone', team_id: userTeam },
    api_app_id: c.apiAppId,
    token: VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: input.message_ts,
      channel_id: channel,
      is_ephemeral: false,
      ...(msg?.threadTs ? { thread_ts: msg.threadTs } : {}),
    },
    trigger_id: issueTrigger(ctx, user),
    team: { id: c.teamId, domain: c.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel, name: ctx.store.channels.get(channel)?.name ?? 'unknown' },
    message: msg ? messageJson(ctx, msg) : { type: 'message', ts: input.message_ts, text: '' },
    state: { values: {} },
    response_url: input.response_url ?? ru?.url ?? '',
    actions: [action],
  };
  return { payload, responseUrlId: ru?.id };
}

/** Throws unless a member of `team` can act in `channel`: the workspace's own team, or one the channel is shared with. */
function checkSharedWith(ctx: SimContext, channel: string, team: string): void {
  if (team === ctx.config.teamId) return;
  if (!(ctx.store.channels.get(channel)?.sharedWith ?? []).includes(team)) {
    throw new Error(`slack-sim: a member of team ${team} cannot act in ${channel}: it is not shared with that team (Slack Connect)`);
  }
}

/**
 * An event_callback body around `event` (event_ts filled in when missing). An event whose
 * `user_team` is another organisation's must come from a channel shared with it, and says so
 * (`is_ext_shared_channel`).
 */
export function eventPayload(ctx: SimContext, event: Obj, eventId?: string): Obj {
  const c = ctx.config;
  const now = Date.now() / 1000;
  const channel = typeof event.channel === 'string' ? event.channel : undefined;
  if (typeof event.user_team === 'string' && channel) checkSharedWith(ctx, channel, event.user_team);
  const extShared = !!channel && (ctx.store.channels.get(channel)?.sharedWith ?? []).length > 0;
  return {
    token: VERIFICATION_TOKEN,
    team_id: c.teamId,
    api_app_id: c.apiAppId,
    event: { event_ts: now.toFixed(6), ...event },
    type: 'event_callback',
    event_id: eventId ?? ctx.store.nextId('Ev'),
    event_time: Math.floor(now),
    authorizations: [{ enterprise_id: null, team_id: c.teamId, user_id: c.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: extShared,
    event_context: `4-${randomBytes(8).toString('hex')}`,
  };
}
