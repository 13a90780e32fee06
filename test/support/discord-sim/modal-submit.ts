import { ComponentType, InteractionType, type APIModalSubmitGuildInteraction, type Locale } from 'discord-api-types/v10';
import type { InteractionState, SimContext } from './store.ts';

/** What `sendInteraction({ kind: 'modal-submit' })` takes: the interaction whose callback opened the modal, and what was typed. */
export interface ModalSubmitSpec {
  kind: 'modal-submit';
  /** Id of the interaction answered with the modal (callback type 9). */
  from: string;
  /** Typed values by text input custom_id; one left out is submitted empty. */
  values?: Record<string, string>;
  /** Default: the user the modal was shown to; anyone else throws (nobody else sees it). */
  user?: { id: string; username: string };
  locale?: Locale;
}

/**
 * The interaction that opened the modal `spec` submits. Throws when Discord could not send the
 * submission: no modal was opened, it was submitted already (Discord closes it), or someone else
 * submits it.
 */
export function modalSource(ctx: SimContext, spec: ModalSubmitSpec): InteractionState {
  const source = ctx.store.interactions.get(spec.from);
  if (!source?.modal) throw new Error(`sendInteraction: interaction ${spec.from} opened no modal`);
  if (source.modal.submitted) throw new Error(`sendInteraction: the modal of ${spec.from} was submitted already`);
  if (spec.user && spec.user.id !== source.user.id)
    throw new Error(`sendInteraction: the modal of ${spec.from} was shown to ${source.user.id}, not ${spec.user.id}`);
  return source;
}

/**
 * The modal-submit interaction (type 5): every text input back in its action row with what was
 * typed (`''` when left empty), and the message the modal came from when a button opened it.
 * Discord's client enforces `required` and min/max length before sending: values outside
 * them throw, as the user could not have sent them.
 */
export function modalSubmitState(
  ctx: SimContext,
  spec: ModalSubmitSpec,
  source: InteractionState,
  base: Omit<APIModalSubmitGuildInteraction, 'type' | 'data' | 'message'>,
  state: Omit<InteractionState, 'type' | 'payload'>,
): InteractionState {
  const modal = source.modal!;
  const values = spec.values ?? {};
  for (const key of Object.keys(values))
    if (!modal.inputs.some((i) => i.customId === key)) throw new Error(`sendInteraction: the modal has no text input "${key}"`);
  for (const input of modal.inputs) {
    const value = values[input.customId] ?? '';
    if (value === '' && input.required)
      throw new Error(`sendInteraction: "${input.label}" is required; Discord does not submit the modal without it`);
    if (value !== '' && (value.length < input.minLength || value.length > input.maxLength))
      throw new Error(`sendInteraction: "${input.label}" takes ${input.minLength}..${input.maxLength} characters, not ${value.length}`);
  }
  const message = source.componentMessageId ? ctx.store.messages.get(source.componentMessageId)?.current : undefined;
  const payload = {
    ...base,
    type: InteractionType.ModalSubmit,
    data: {
      custom_id: modal.customId,
      components: modal.inputs.map((i) => ({
        type: ComponentType.ActionRow as const,
        id: i.id - 1,
        components: [{ type: ComponentType.TextInput as const, id: i.id, custom_id: i.customId, value: values[i.customId] ?? '' }],
      })),
    },
    ...(message ? { message } : {}),
  } satisfies APIModalSubmitGuildInteraction;
  modal.submitted = true;
  return {
    ...state,
    type: 5,
    payload,
    triggeredBy: source,
    ...(source.componentMessageId ? { componentMessageId: source.componentMessageId } : {}),
  };
}
