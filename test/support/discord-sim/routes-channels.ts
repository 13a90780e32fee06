import { ChannelType, PermissionFlagsBits, type ThreadAutoArchiveDuration } from 'discord-api-types/v10';
import { threadChannel } from './entities.ts';
import { apiError, ErrorCode, ErrorCollector } from './errors.ts';
import { channelOr404, createMessage, deleteMessage, editMessage, messageOr404, requirePermissions } from './messages.ts';
import type { RouteDef, RouteRequest, RouteResult } from './router.ts';
import { validateMessageBody } from './validate-message.ts';

const AUTO_ARCHIVE = new Set([60, 1440, 4320, 10080]);

const getChannel = (r: RouteRequest): RouteResult => ({ status: 200, body: channelOr404(r.ctx, r.params.channel ?? '') });

const listMessages = (r: RouteRequest): RouteResult => {
  const ch = channelOr404(r.ctx, r.params.channel ?? '');
  const limit = Math.min(100, Math.max(1, Number(r.query.get('limit') ?? 50) || 50));
  const ids = (r.ctx.store.channelMessages.get(ch.id) ?? []).slice(-limit).reverse(); // newest first
  return { status: 200, body: ids.map((id) => r.ctx.store.messages.get(id)?.current) };
};

const postMessage = (r: RouteRequest): RouteResult => {
  channelOr404(r.ctx, r.params.channel ?? '');
  const input = validateMessageBody(r.body.json, r.body.files);
  return { status: 200, body: createMessage(r.ctx, r.params.channel ?? '', input, r.body.files).current };
};

const getMessage = (r: RouteRequest): RouteResult => {
  channelOr404(r.ctx, r.params.channel ?? '');
  return { status: 200, body: messageOr404(r.ctx, r.params.channel, r.params.message ?? '').current };
};

const patchMessage = (r: RouteRequest): RouteResult => {
  channelOr404(r.ctx, r.params.channel ?? '');
  const stored = messageOr404(r.ctx, r.params.channel, r.params.message ?? '');
  if (stored.current.author.id !== r.ctx.world.botUserId || stored.interactionId) {
    // interaction messages belong to the app's webhook; edit them through the interaction token
    throw apiError(403, ErrorCode.CannotEditOthersMessage, 'Cannot edit a message authored by another user');
  }
  const input = validateMessageBody(r.body.json, r.body.files);
  if (r.body.files.length) requirePermissions(r.ctx, PermissionFlagsBits.AttachFiles);
  return { status: 200, body: editMessage(r.ctx, stored, input, r.body.files) };
};

const deleteMessageRoute = (r: RouteRequest): RouteResult => {
  channelOr404(r.ctx, r.params.channel ?? '');
  const stored = messageOr404(r.ctx, r.params.channel, r.params.message ?? '');
  if (stored.current.author.id !== r.ctx.world.botUserId) requirePermissions(r.ctx, PermissionFlagsBits.ManageMessages);
  deleteMessage(r.ctx, stored);
  return { status: 204 };
};

/** Starts a public thread from a message: thread id = message id; a second one → 160004. */
const startThread = (r: RouteRequest): RouteResult => {
  const { ctx } = r;
  const parent = channelOr404(ctx, r.params.channel ?? '');
  if (parent.type !== ChannelType.GuildText) {
    throw apiError(400, ErrorCode.InvalidChannelType, 'Cannot execute action on this channel type');
  }
  const stored = messageOr404(ctx, parent.id, r.params.message ?? '');
  requirePermissions(ctx, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.CreatePublicThreads);
  const body = (r.body.json ?? {}) as Record<string, unknown>;
  const errs = new ErrorCollector();
  if (typeof body.name !== 'string' || body.name.length < 1 || body.name.length > 100) {
    errs.add(['name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
  const archive = body.auto_archive_duration ?? 4320;
  if (typeof archive !== 'number' || !AUTO_ARCHIVE.has(archive)) {
    errs.add(['auto_archive_duration'], 'BASE_TYPE_CHOICES', 'Value must be one of {60, 1440, 4320, 10080}.');
  }
  errs.throwIfAny();
  if (ctx.store.channels.has(stored.current.id)) {
    throw apiError(400, ErrorCode.ThreadAlreadyExists, 'A thread has already been created for this message');
  }
  const thread = threadChannel(
    ctx.world,
    parent.id,
    stored.current.id,
    String(body.name),
    archive as ThreadAutoArchiveDuration,
    ctx.clock.now(),
  );
  ctx.store.addChannel(thread);
  stored.current = { ...stored.current, thread, flags: (stored.current.flags ?? 0) | 32 }; // HAS_THREAD
  ctx.gateway.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, 1); // Guilds intent
  return { status: 201, body: thread };
};

/** `/channels/...`: channel, messages (create/edit/get/list/delete) and threads from messages. */
export function channelRoutes(): RouteDef[] {
  const base = { auth: true, global: true, bucket: 'default', major: 'channel' } as const;
  return [
    { ...base, method: 'GET', pattern: '/channels/:channel', handler: getChannel },
    { ...base, method: 'GET', pattern: '/channels/:channel/messages', handler: listMessages },
    { ...base, method: 'POST', pattern: '/channels/:channel/messages', bucket: 'messages', handler: postMessage },
    { ...base, method: 'GET', pattern: '/channels/:channel/messages/:message', handler: getMessage },
    { ...base, method: 'PATCH', pattern: '/channels/:channel/messages/:message', bucket: 'messages', handler: patchMessage },
    { ...base, method: 'DELETE', pattern: '/channels/:channel/messages/:message', handler: deleteMessageRoute },
    { ...base, method: 'POST', pattern: '/channels/:channel/messages/:message/threads', handler: startThread },
  ];
}
