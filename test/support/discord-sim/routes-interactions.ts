import {
  InteractionType,
  MessageType,
  type APIMessageInteractionMetadata,
  type APIModalSubmitInteractionMetadata,
} from 'discord-api-types/v10';
import { apiError, ErrorCode, ErrorCollector } from './errors.ts';
import { createMessage, deleteMessage, editMessage, messageOr404, type MessageExtras } from './messages.ts';
import type { RouteDef, RouteRequest, RouteResult } from './router.ts';
import type { InteractionState } from './store.ts';
import type { InteractionResponseRecord, StoredMessage } from './types.ts';
import { validateMessageBody } from './validate-message.ts';
import { validateModal } from './validate-modal.ts';

/** Discord's 3 s window for the first response, and the 15 min interaction-token life. */
export const RESPONSE_WINDOW_MS = 3000;
export const TOKEN_LIFETIME_MS = 15 * 60_000;
const EPHEMERAL = 64;
const LOADING = 128;
/** Callback types allowed per interaction type (2 command, 3 component, 4 autocomplete, 5 modal submit: no modal from a modal). */
const ALLOWED: Record<number, number[]> = { 2: [4, 5, 9], 3: [4, 5, 6, 7, 9], 4: [8], 5: [4, 5, 6, 7] };

function metadataOf(it: InteractionState): Exclude<APIMessageInteractionMetadata, APIModalSubmitInteractionMetadata> {
  const meta = {
    id: it.id,
    type: InteractionType.ApplicationCommand as const,
    user: it.user,
    authorizing_integration_owners: { '0': it.payload.guild_id ?? '' },
  } satisfies APIMessageInteractionMetadata;
  return it.componentMessageId ? { ...meta, type: InteractionType.MessageComponent, interacted_message_id: it.componentMessageId } : meta;
}

function extrasFor(it: InteractionState, flags: number): MessageExtras {
  const source = it.triggeredBy;
  const meta = metadataOf(it);
  return {
    interactionId: it.id,
    webhook_id: it.payload.application_id,
    application_id: it.payload.application_id,
    interaction_metadata:
      it.type === 5 && source
        ? ({
            id: it.id,
            type: InteractionType.ModalSubmit,
            user: it.user,
            authorizing_integration_owners: meta.authorizing_integration_owners,
            triggering_interaction_metadata: metadataOf(source),
          } satisfies APIModalSubmitInteractionMetadata)
        : meta,
    type: it.type === 2 ? MessageType.ChatInputCommand : MessageType.Default,
    flags,
  };
}

function checkSimple(data: Record<string, unknown>, type: number): void {
  const errs = new ErrorCollector();
  if (type === 8) {
    const choices = data.choices;
    if (!Array.isArray(choices) || choices.length > 25)
      errs.add(['data', 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    else
      choices.forEach((c: { name?: unknown }, i) => {
        if (typeof c?.name !== 'string' || c.name.length < 1 || c.name.length > 100)
          errs.add(['data', 'choices', i, 'name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      });
  }
  errs.throwIfAny();
}

/** A modal callback (9): validated, then kept on the interaction until the user submits it (sendInteraction modal-submit). */
function openModal(it: InteractionState, data: Record<string, unknown>): void {
  const errs = new ErrorCollector();
  const inputs = validateModal(data, errs);
  errs.throwIfAny();
  it.modal = { customId: String(data.custom_id), inputs, submitted: false };
}

/** POST /interactions/:id/:token/callback — once, within 3 s, with a type valid for the interaction. */
const callback = (r: RouteRequest): RouteResult => {
  const { ctx } = r;
  const it = ctx.store.interactions.get(r.params.id ?? '');
  if (!it || it.token !== r.params.token) throw apiError(404, ErrorCode.UnknownInteraction, 'Unknown interaction');
  if (it.response) throw apiError(400, ErrorCode.InteractionAcknowledged, 'Interaction has already been acknowledged.');
  const latencyMs = ctx.clock.now() - it.createdAt;
  if (latencyMs > RESPONSE_WINDOW_MS) throw apiError(404, ErrorCode.UnknownInteraction, 'Unknown interaction');
  const body = (r.body.json ?? {}) as { type?: unknown; data?: unknown };
  const type = typeof body.type === 'number' ? body.type : -1;
  if (!(ALLOWED[it.type] ?? []).includes(type)) {
    const errs = new ErrorCollector();
    errs.add(
      ['type'],
      'INTERACTION_RESPONSE_TYPE_INVALID',
      `Interaction response type ${String(body.type)} is not valid for this interaction`,
    );
    errs.throwIfAny();
  }
  const data = (typeof body.data === 'object' && body.data !== null ? body.data : {}) as Record<string, unknown>;
  const flags = typeof data.flags === 'number' ? data.flags & (EPHEMERAL | 4096) : 0;
  let msg: StoredMessage | undefined;
  if (type === 4) {
    const input = validateMessageBody(data, r.body.files);
    msg = createMessage(ctx, it.channelId, input, r.body.files, extrasFor(it, flags));
  } else if (type === 5) {
    msg = createMessage(ctx, it.channelId, {}, [], { ...extrasFor(it, flags | LOADING), allowEmpty: true });
  } else if (type === 6 || type === 7) {
    msg = messageOr404(ctx, undefined, it.componentMessageId ?? '');
    if (type === 7) editMessage(ctx, msg, validateMessageBody(data, r.body.files), r.body.files);
  } else if (type === 9) openModal(it, data);
  else checkSimple(data, type);
  const record: InteractionResponseRecord = { type, data: body.data, latencyMs, ...(msg ? { messageId: msg.current.id } : {}) };
  it.response = record;
  if (msg) {
    it.originalMessageId = msg.current.id;
    it.messageIds.add(msg.current.id);
  }
  for (const w of it.waiters.splice(0)) w(record);
  ctx.events.emit('interaction-response', it.id, record);
  if (r.query.get('with_response') !== 'true') return { status: 204 };
  const m = msg?.current;
  return {
    status: 200,
    body: {
      interaction: {
        id: it.id,
        type: it.type,
        ...(m
          ? { response_message_id: m.id, response_message_loading: type === 5, response_message_ephemeral: (flags & EPHEMERAL) !== 0 }
          : {}),
      },
      resource: { type, ...(m && type !== 5 && type !== 6 ? { message: m } : {}) },
    },
  };
};

/** The interaction behind a webhook route; 404 10015 for a foreign app, 401 50027 once expired. */
function hookOf(r: RouteRequest): InteractionState {
  if (r.params.app !== r.ctx.world.applicationId) throw apiError(404, ErrorCode.UnknownWebhook, 'Unknown Webhook');
  const it = r.ctx.store.interactionByToken(r.params.token ?? '');
  if (!it || r.ctx.clock.now() - it.createdAt > TOKEN_LIFETIME_MS)
    throw apiError(401, ErrorCode.InvalidWebhookToken, 'Invalid Webhook Token');
  return it;
}

function hookMessage(r: RouteRequest, it: InteractionState): StoredMessage {
  const ref = r.params.message === '@original' ? it.originalMessageId : r.params.message;
  if (!ref || !it.messageIds.has(ref)) throw apiError(404, ErrorCode.UnknownMessage, 'Unknown Message');
  return messageOr404(r.ctx, undefined, ref);
}

const getHookMessage = (r: RouteRequest): RouteResult => ({ status: 200, body: hookMessage(r, hookOf(r)).current });

const patchHookMessage = (r: RouteRequest): RouteResult => {
  const it = hookOf(r);
  const stored = hookMessage(r, it);
  const input = validateMessageBody(r.body.json, r.body.files);
  return { status: 200, body: editMessage(r.ctx, stored, input, r.body.files, LOADING) };
};

const deleteHookMessage = (r: RouteRequest): RouteResult => {
  deleteMessage(r.ctx, hookMessage(r, hookOf(r)));
  return { status: 204 };
};

/** Follow-up; the first one after a deferral replaces the "thinking" placeholder, as Discord does. */
const followUp = (r: RouteRequest): RouteResult => {
  const it = hookOf(r);
  if (!it.response) throw apiError(404, ErrorCode.UnknownWebhook, 'Unknown Webhook');
  const input = validateMessageBody(r.body.json, r.body.files);
  const original = it.originalMessageId ? r.ctx.store.messages.get(it.originalMessageId) : undefined;
  if (original && !original.deleted && ((original.current.flags ?? 0) & LOADING) !== 0) {
    return { status: 200, body: editMessage(r.ctx, original, input, r.body.files, LOADING) };
  }
  const flags = (input.flags ?? 0) & (EPHEMERAL | 4096);
  const msg = createMessage(r.ctx, it.channelId, input, r.body.files, extrasFor(it, flags));
  it.messageIds.add(msg.current.id);
  return { status: 200, body: msg.current };
};

/** Interaction callback plus the interaction webhook (no auth, not in the global limit). */
export function interactionRoutes(): RouteDef[] {
  const cb = { auth: false, global: false, bucket: 'default', major: 'id' } as const;
  const hook = { auth: false, global: false, bucket: 'default', major: 'token' } as const;
  return [
    { ...cb, method: 'POST', pattern: '/interactions/:id/:token/callback', handler: callback },
    { ...hook, method: 'POST', pattern: '/webhooks/:app/:token', handler: followUp },
    { ...hook, method: 'GET', pattern: '/webhooks/:app/:token/messages/:message', handler: getHookMessage },
    { ...hook, method: 'PATCH', pattern: '/webhooks/:app/:token/messages/:message', handler: patchHookMessage },
    { ...hook, method: 'DELETE', pattern: '/webhooks/:app/:token/messages/:message', handler: deleteHookMessage },
  ];
}
