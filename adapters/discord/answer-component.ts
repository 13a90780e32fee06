import { InteractionType, type APIMessageComponentInteraction, type APIModalSubmitInteraction } from 'discord-api-types/v10';
import type { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import type { InteractionResponder } from './interaction-responder.ts';
import { decodeButtonId } from './button-id.ts';
import { answerSoon, ephemeral } from './interaction-replies.ts';
import { readRejectModal, rejectModal } from './reject-modal.ts';
import { interactionUser } from './to-invocation.ts';

const notOurs = (what: string) =>
  ephemeral({ title: `unknown ${what}`, status: 'error', text: `This ${what} is not one of voxoz's; it may be from an older version.` });

/**
 * A button click or a submitted form, as a neutral Interaction (delivery id = interaction id)
 * for dispatcher.interact, answered ephemerally within Discord's 3 s (deferred when slower).
 * Reject is the exception on the way in: its click answers with the Reject form (a modal), and
 * the form's submission is the Reject, carrying the reason typed there.
 */
export async function answerComponent(
  raw: APIMessageComponentInteraction | APIModalSubmitInteraction,
  respond: InteractionResponder,
  dispatcher: Dispatcher,
  budgetMs: number,
): Promise<void> {
  const user = interactionUser(raw);
  const what = raw.type === InteractionType.ModalSubmit ? 'form' : 'button';
  const read =
    raw.type === InteractionType.ModalSubmit
      ? (() => {
          const form = readRejectModal(raw.data);
          return form ? { action: 'reject', value: form.approval, ...(form.reason ? { reason: form.reason } : {}) } : undefined;
        })()
      : decodeButtonId(raw.data.custom_id);
  if (!read || !user) {
    await respond.callback(notOurs(what));
    return;
  }
  if (raw.type === InteractionType.MessageComponent && read.action === 'reject') {
    const form = rejectModal(read.value);
    if (form) {
      await respond.callback(form);
      return;
    }
  }
  const work = dispatcher.interact({
    platform: 'discord',
    user,
    conversation: raw.channel?.id ?? raw.channel_id ?? 'unknown',
    ...read,
    deliveryId: raw.id,
  });
  await answerSoon(respond, work, budgetMs);
}
