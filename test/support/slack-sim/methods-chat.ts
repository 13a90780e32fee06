/**
 * chat.* methods: postMessage, update, postEphemeral, getPermalink — with Slack's checks
 * (channel, no_text, msg_too_long, invalid_blocks, thread parents, message ownership).
 */
import { checkBlocks } from './blocks.ts';
import { fail, invalidArguments, invalidBlocks, isTs, resolveChannel, type ApiResult, type MethodDef, type SimContext } from './context.ts';
import { bool, str } from './http-util.ts';
import type { StoredMessage } from './types.ts';

/** Max text of chat.postMessage / postEphemeral. */
export const POST_TEXT_MAX = 40_000;
/** Max text of chat.update (DESIGN.md). */
export const UPDATE_TEXT_MAX = 4_000;

/** Parses an `attachments` argument (JSON string or array). */
function parseAttachments(v: unknown): unknown[] | undefined | 'bad' {
  if (v === undefined || v === '') return undefined;
  try {
    const a: unknown = typeof v === 'string' ? JSON.parse(v) : v;
    return Array.isArray(a) ? a : 'bad';
  } catch {
    return 'bad';
  }
}

/** Checks the content arguments shared by post/update/ephemeral. */
function checkContent(
  args: Record<string, unknown>,
  maxText: number,
): { text: string; blocks: unknown[] | undefined; attachments: unknown[] | undefined } | ApiResult {
  const text = typeof args.text === 'string' ? args.text : args.text === undefined ? '' : String(args.text);
  const b = checkBlocks(args.blocks);
  if (!b.ok) return invalidBlocks(b.errors);
  const attachments = parseAttachments(args.attachments);
  if (attachments === 'bad') return fail('invalid_attachments');
  if (text === '' && !b.blocks?.length && !attachments?.length) return fail('no_text');
  if (text.length > maxText) return fail('msg_too_long');
  return { text, blocks: b.blocks, attachments };
}

/** Checks a thread_ts argument: must be a top-level message of the channel. */
function checkThread(ctx: SimContext, channel: string, v: unknown): string | undefined | ApiResult {
  if (v === undefined || v === '') return undefined;
  if (!isTs(v)) return invalidArguments(`invalid value for thread_ts: ${String(v)}`);
  const parent = ctx.store.message(channel, v);
  if (!parent || parent.threadTs !== undefined) return fail('thread_not_found');
  return v;
}

/** The `message` object Slack returns for a stored message. */
export function messageJson(ctx: SimContext, m: StoredMessage): Record<string, unknown> {
  return {
    type: 'message',
    subtype: 'bot_message',
    text: m.text,
    user: m.user,
    bot_id: m.botId,
    app_id: ctx.config.apiAppId,
    team: ctx.config.teamId,
    ts: m.ts,
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
    ...(m.edits.length ? { edited: { user: m.user, ts: m.ts } } : {}),
  };
}

const isResult = (v: unknown): v is ApiResult => typeof v === 'object' && v !== null && 'ok' in v;

const postMessage: MethodDef = {
  token: 'bot',
  handle(ctx, args) {
    const channel = resolveChannel(ctx, args.channel);
    if (!channel) return fail('channel_not_found');
    const content = checkContent(args, POST_TEXT_MAX);
    if (isResult(content)) return content;
    const threadTs = checkThread(ctx, channel, args.thread_ts);
    if (isResult(threadTs)) return threadTs;
    const m = ctx.store.addMessage({
      channel,
      threadTs,
      ...content,
      user: ctx.config.botUserId,
      botId: ctx.config.botId,
      replyBroadcast: threadTs !== undefined && bool(args.reply_broadcast),
    });
    return { ok: true, channel, ts: m.ts, message: messageJson(ctx, m) };
  },
};

const update: MethodDef = {
  token: 'bot',
  handle(ctx, args) {
    const channel = resolveChannel(ctx, args.channel);
    if (!channel) return fail('channel_not_found');
    const ts = str(args.ts);
    const m = ts ? ctx.store.message(channel, ts) : undefined;
    if (!m) return fail('message_not_found');
    if (m.user !== ctx.config.botUserId) return fail('cant_update_message');
    const content = checkContent(args, UPDATE_TEXT_MAX);
    if (isResult(content)) return content;
    m.edits.push({ at: Date.now(), text: m.text, blocks: m.blocks });
    m.text = content.text;
    if (args.blocks !== undefined) m.blocks = content.blocks;
    if (args.attachments !== undefined) m.attachments = content.attachments;
    return { ok: true, channel, ts: m.ts, text: m.text, message: messageJson(ctx, m) };
  },
};

const postEphemeral: MethodDef = {
  token: 'bot',
  handle(ctx, args) {
    const channel = resolveChannel(ctx, args.channel);
    if (!channel) return fail('channel_not_found');
    const user = str(args.user);
    if (!user) return fail('user_not_found');
    if (!ctx.store.users.has(user)) return fail('user_not_found');
    if (!ctx.store.isMember(channel, user)) return fail('user_not_in_channel');
    const content = checkContent(args, POST_TEXT_MAX);
    if (isResult(content)) return content;
    const threadTs = checkThread(ctx, channel, args.thread_ts);
    if (isResult(threadTs)) return threadTs;
    const messageTs = ctx.store.nextTs();
    ctx.store.ephemerals.push({
      channel,
      user,
      threadTs,
      text: content.text,
      blocks: content.blocks,
      messageTs,
      at: Date.now(),
    });
    return { ok: true, message_ts: messageTs };
  },
};

const getPermalink: MethodDef = {
  token: 'bot',
  handle(ctx, args) {
    const channel = resolveChannel(ctx, args.channel);
    if (!channel) return fail('channel_not_found');
    const ts = str(args.message_ts);
    const m = ts ? ctx.store.message(channel, ts) : undefined;
    if (!m) return fail('message_not_found');
    const p = `p${m.ts.replace('.', '')}`;
    const q = m.threadTs ? `?thread_ts=${m.threadTs}&cid=${channel}` : '';
    return { ok: true, channel, permalink: `${ctx.baseUrl}/archives/${channel}/${p}${q}` };
  },
};

/** The chat.* method table. */
export const chatMethods: Record<string, MethodDef> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
};
