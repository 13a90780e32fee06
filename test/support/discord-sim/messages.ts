import { ChannelType, MessageType, PermissionFlagsBits, type APIAttachment, type APIMessage } from 'discord-api-types/v10';
import { isoAt } from './clock.ts';
import { botUser } from './entities.ts';
import { apiError, ErrorCode, ErrorCollector } from './errors.ts';
import type { UploadedFile } from './http-io.ts';
import type { SimContext } from './store.ts';
import type { StoredMessage } from './types.ts';
import { assertNotEmpty, type MessageInput } from './validate-message.ts';

const GUILD_MESSAGES_INTENT = 1 << 9;
const EPHEMERAL = 64;

/** Extra fields for messages created by interactions (webhook id, metadata, type, flags). */
export type MessageExtras = Partial<Pick<APIMessage, 'webhook_id' | 'application_id' | 'interaction_metadata' | 'type'>> & {
  flags?: number;
  interactionId?: string;
  /** Deferred "thinking" placeholders (flag 128) may be empty. */
  allowEmpty?: boolean;
};

/** 403 50013 unless the bot holds every permission in `bits`. */
export function requirePermissions(ctx: SimContext, bits: bigint): void {
  if ((ctx.world.botPermissions & bits) !== bits) throw apiError(403, ErrorCode.MissingPermissions, 'Missing Permissions');
}

/** The channel or 404 10003. */
export function channelOr404(ctx: SimContext, channelId: string) {
  const ch = ctx.store.channels.get(channelId);
  if (!ch) throw apiError(404, ErrorCode.UnknownChannel, 'Unknown Channel');
  return ch;
}

/** The message in `channelId` or 404 10008. */
export function messageOr404(ctx: SimContext, channelId: string | undefined, messageId: string): StoredMessage {
  const m = ctx.store.messages.get(messageId);
  if (!m || m.deleted || (channelId !== undefined && m.current.channel_id !== channelId)) {
    throw apiError(404, ErrorCode.UnknownMessage, 'Unknown Message');
  }
  return m;
}

/** Checks 10 MiB (configurable) total upload size → 413 40005. */
export function checkUploadSize(ctx: SimContext, files: UploadedFile[]): void {
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  if (total > ctx.maxUploadBytes) throw apiError(413, ErrorCode.RequestTooLarge, 'Request entity too large');
}

function storeFiles(ctx: SimContext, messageId: string, channelId: string, input: MessageInput, files: UploadedFile[]): APIAttachment[] {
  const list = ctx.store.attachments.get(messageId) ?? [];
  const out: APIAttachment[] = [];
  files.forEach((f, index) => {
    const id = ctx.snowflake();
    const meta = input.attachments?.find((a) => a.id === String(index));
    const filename = meta?.filename ?? f.filename;
    list.push({ id, messageId, filename, contentType: f.contentType, bytes: f.bytes });
    const url = `${ctx.origin()}/cdn/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
    out.push({
      id,
      filename,
      size: f.bytes.length,
      url,
      proxy_url: url,
      content_type: f.contentType,
      ...(meta?.description ? { description: meta.description } : {}),
    } satisfies APIAttachment);
  });
  ctx.store.attachments.set(messageId, list);
  return out;
}

/**
 * Creates a message after validation (`input` from `validateMessageBody`): checks channel
 * permissions, emptiness and upload size, stores files, dispatches MESSAGE_CREATE.
 */
export function createMessage(
  ctx: SimContext,
  channelId: string,
  input: MessageInput,
  files: UploadedFile[],
  extras: MessageExtras = {},
): StoredMessage {
  const ch = channelOr404(ctx, channelId);
  const isThread = ch.type === ChannelType.PublicThread || ch.type === ChannelType.PrivateThread;
  if (!extras.interactionId) {
    const P = PermissionFlagsBits;
    requirePermissions(ctx, P.ViewChannel | (isThread ? P.SendMessagesInThreads : P.SendMessages) | (files.length ? P.AttachFiles : 0n));
  }
  if (!extras.allowEmpty) assertNotEmpty({ ...input, attachmentCount: files.length });
  checkUploadSize(ctx, files);
  const replyTo = replyTarget(ctx, channelId, input);
  const id = ctx.snowflake();
  const flags = ((input.flags ?? 0) & (4 | 4096)) | (extras.flags ?? 0);
  const msg: APIMessage = {
    id,
    channel_id: channelId,
    author: botUser(ctx.world),
    content: input.content ?? '',
    timestamp: isoAt(ctx.clock.now()),
    edited_timestamp: null,
    tts: input.tts ?? false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: storeFiles(ctx, id, channelId, input, files),
    embeds: input.embeds ?? [],
    components: (input.components ?? []) as APIMessage['components'],
    pinned: false,
    type: extras.type ?? (replyTo ? MessageType.Reply : MessageType.Default),
    flags,
    ...(replyTo
      ? {
          message_reference: { type: 0, message_id: replyTo.id, channel_id: channelId, guild_id: ctx.world.guildId },
          referenced_message: replyTo,
        }
      : {}),
    ...(extras.webhook_id ? { webhook_id: extras.webhook_id } : {}),
    ...(extras.application_id ? { application_id: extras.application_id } : {}),
    ...(extras.interaction_metadata ? { interaction_metadata: extras.interaction_metadata } : {}),
  } satisfies APIMessage;
  const ephemeral = (flags & EPHEMERAL) !== 0;
  const stored: StoredMessage = {
    current: msg,
    history: [],
    deleted: false,
    ephemeral,
    ...(extras.interactionId ? { interactionId: extras.interactionId } : {}),
  };
  ctx.store.messages.set(id, stored);
  ctx.store.channelMessages.get(channelId)?.push(id);
  if (isThread && 'message_count' in ch) {
    ch.message_count = (ch.message_count ?? 0) + 1;
    ch.total_message_sent = (ch.total_message_sent ?? 0) + 1;
  }
  ch.last_message_id = id;
  if (!ephemeral) ctx.gateway.dispatch('MESSAGE_CREATE', { ...msg, guild_id: ctx.world.guildId }, GUILD_MESSAGES_INTENT);
  return stored;
}

/**
 * The message a reply answers: it must be a live message of the same channel, and replying
 * needs Read Message History (403 50013); a missing target is 400 50035 unless
 * `fail_if_not_exists` is false, which sends the message as a plain one.
 */
function replyTarget(ctx: SimContext, channelId: string, input: MessageInput): APIMessage | undefined {
  const ref = input.messageReference;
  if (!ref) return undefined;
  requirePermissions(ctx, PermissionFlagsBits.ReadMessageHistory);
  const target = ctx.store.messages.get(ref.messageId);
  const ok =
    target && !target.deleted && !target.ephemeral && target.current.channel_id === channelId && (ref.channelId ?? channelId) === channelId;
  if (ok) return target.current;
  if (!ref.failIfNotExists) return undefined;
  const errs = new ErrorCollector();
  errs.add(['message_reference'], 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
  errs.throwIfAny();
  return undefined;
}

/** Applies an edit (PATCH semantics: absent fields unchanged), keeping the old state in history. */
export function editMessage(
  ctx: SimContext,
  stored: StoredMessage,
  input: MessageInput,
  files: UploadedFile[],
  clearFlags = 0,
): APIMessage {
  const prev = stored.current;
  checkUploadSize(ctx, files);
  const kept = input.attachments ? prev.attachments.filter((a) => input.attachments?.some((k) => k.id === a.id)) : prev.attachments;
  const next: APIMessage = {
    ...prev,
    content: input.content ?? prev.content,
    embeds: input.embeds ?? prev.embeds,
    components: (input.components ?? prev.components) as APIMessage['components'],
    flags: (prev.flags ?? 0) & ~clearFlags,
    edited_timestamp: isoAt(ctx.clock.now()),
    attachments: kept,
  };
  assertNotEmpty({ ...next, attachmentCount: next.attachments.length + files.length });
  next.attachments = [...kept, ...storeFiles(ctx, prev.id, prev.channel_id, input, files)];
  stored.history.push(prev);
  stored.current = next;
  if (!stored.ephemeral) ctx.gateway.dispatch('MESSAGE_UPDATE', { ...next, guild_id: ctx.world.guildId }, GUILD_MESSAGES_INTENT);
  return next;
}

/** Marks a message deleted and dispatches MESSAGE_DELETE. */
export function deleteMessage(ctx: SimContext, stored: StoredMessage): void {
  stored.deleted = true;
  const m = stored.current;
  const list = ctx.store.channelMessages.get(m.channel_id);
  const at = list ? list.indexOf(m.id) : -1;
  if (list && at !== -1) list.splice(at, 1);
  if (!stored.ephemeral)
    ctx.gateway.dispatch('MESSAGE_DELETE', { id: m.id, channel_id: m.channel_id, guild_id: ctx.world.guildId }, GUILD_MESSAGES_INTENT);
}
