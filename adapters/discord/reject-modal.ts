import {
  ComponentType,
  InteractionResponseType,
  TextInputStyle,
  type APIInteractionResponse,
  type APIModalSubmission,
} from 'discord-api-types/v10';
import { cleanReason, REASON_MAX } from '../reject-reason.ts';
import { DISCORD_LIMITS } from './discord-limits.ts';

/** Modal custom_ids are `vxm:reject:<approval id>`, apart from buttons' `vx:` so a submit is never read as a click. */
const PREFIX = 'vxm:reject:';
const REASON_ID = 'reason';

/**
 * The Reject form, the answer to a Reject click (callback type 9): one optional paragraph
 * (at most REASON_MAX characters). Undefined when the approval id would pass Discord's
 * 100-character custom_id (the click is then decided without a reason, never with a cut id).
 */
export function rejectModal(approval: string): APIInteractionResponse | undefined {
  const customId = `${PREFIX}${approval}`;
  if (customId.length > DISCORD_LIMITS.customId) return undefined;
  return {
    type: InteractionResponseType.Modal,
    data: {
      custom_id: customId,
      title: 'Reject request',
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.TextInput,
              custom_id: REASON_ID,
              style: TextInputStyle.Paragraph,
              label: 'Reason (optional, shown in the request)',
              required: false,
              max_length: REASON_MAX,
              placeholder: 'e.g. v5 has the login bug',
            },
          ],
        },
      ],
    },
  };
}

/** The approval id and reason of a submitted Reject form, or undefined for a modal voxoz did not open. */
export function readRejectModal(data: APIModalSubmission): { approval: string; reason?: string } | undefined {
  if (!data.custom_id.startsWith(PREFIX) || data.custom_id.length === PREFIX.length) return undefined;
  let typed: unknown;
  for (const c of data.components) {
    const inner = 'components' in c ? c.components : 'component' in c ? [c.component] : [];
    for (const input of inner) if (input.custom_id === REASON_ID && 'value' in input) typed = input.value;
  }
  const reason = cleanReason(typed);
  return { approval: data.custom_id.slice(PREFIX.length), ...(reason ? { reason } : {}) };
}
