import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
} from 'discord-api-types/v10';
import type { Reply, ReplyButton, ReplyStep } from '../../src/core/types.ts';
import { encodeButtonId } from './button-id.ts';
import { DISCORD_LIMITS as L } from './discord-limits.ts';
import { defuseFences, fitHead, fitTail } from './fit-text.ts';

/** A message body as channel posts, edits, interaction callbacks and webhook edits take it. */
export interface DiscordMessage {
  embeds: APIEmbed[];
  /** Always present, empty when there are no buttons: an edit without it would keep old buttons. */
  components: Array<APIActionRowComponent<APIButtonComponentWithCustomId>>;
  /** Nobody is pinged by anything voxoz echoes (log lines, app names, user text). */
  allowed_mentions: { parse: [] };
  flags?: number;
}

const EPHEMERAL = 64;
const COLOR: Record<Reply['status'], number> = {
  info: 0x5865f2,
  queued: 0x99aab5,
  running: 0x3498db,
  succeeded: 0x2ecc71,
  attention: 0xf39c12,
  failed: 0xe74c3c,
  cancelled: 0x95a5a6,
  'waiting-approval': 0xf1c40f,
  error: 0xe67e22,
};
const EMOJI: Record<Reply['status'], string> = {
  info: 'ℹ️',
  queued: '⏳',
  running: '▶️',
  succeeded: '✅',
  attention: '🟡',
  failed: '❌',
  cancelled: '🚫',
  'waiting-approval': '⏸️',
  error: '⚠️',
};
const STEP_MARK: Record<ReplyStep['state'], string> = { pending: '◻', running: '▶', done: '✓', failed: '✗', skipped: '–' };
const STYLE: Record<NonNullable<ReplyButton['style']>, ButtonStyle.Primary | ButtonStyle.Danger | ButtonStyle.Secondary> = {
  primary: ButtonStyle.Primary,
  danger: ButtonStyle.Danger,
  default: ButtonStyle.Secondary,
};
/** Most characters all fields together may take, so text and code keep room. */
const FIELDS_BUDGET = 1800;
const FENCE = '```\n\n```'.length;

const stepsLine = (steps: ReadonlyArray<ReplyStep>) =>
  steps.map((s) => `${STEP_MARK[s.state]} ${s.name}${s.ms !== undefined ? ` ${(s.ms / 1000).toFixed(1)}s` : ''}`).join('   ');

/** Characters Discord counts toward the 6,000 total of one embed. */
export function embedSize(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function renderFields(fields: Reply['fields'] = []): NonNullable<APIEmbed['fields']> {
  const out: NonNullable<APIEmbed['fields']> = [];
  let used = 0;
  for (const [i, f] of fields.entries()) {
    const name = fitHead(f.label.trim() || '–', 100);
    const value = fitHead(f.value.trim() || '–', Math.min(L.fieldValue, FIELDS_BUDGET - used - name.length - 40));
    const last = out.length === L.fields - 1 && i < fields.length - 1;
    if (last || used + name.length + value.length > FIELDS_BUDGET - 40 || value === '') {
      const rest = fields.length - i;
      out.push({ name: '…', value: `${rest} more field${rest === 1 ? '' : 's'} not shown` });
      break;
    }
    out.push({ name, value, inline: true });
    used += name.length + value.length;
  }
  return out;
}

function renderButtons(buttons: ReadonlyArray<ReplyButton> = []): DiscordMessage['components'] {
  const made: APIButtonComponentWithCustomId[] = [];
  for (const b of buttons) {
    const customId = encodeButtonId(b.id, b.value);
    if (!customId || made.some((m) => m.custom_id === customId)) continue;
    made.push({
      type: ComponentType.Button,
      custom_id: customId,
      label: fitHead(b.label, L.buttonLabel),
      style: STYLE[b.style ?? 'default'],
    });
  }
  const rows: DiscordMessage['components'] = [];
  for (let i = 0; i < made.length && rows.length < L.rows; i += L.buttonsPerRow) {
    rows.push({ type: ComponentType.ActionRow, components: made.slice(i, i + L.buttonsPerRow) });
  }
  return rows;
}

/**
 * Renders a neutral Reply as Discord embeds and buttons within every limit: one main embed
 * (status emoji + title, text, steps, fields) and one embed per code block (each keeps its
 * tail: the newest log lines matter most), at most 10 embeds and 6,000 characters in all; the
 * title and fields come first, then the text, then code gets what is left. Buttons go five to a
 * row (custom_id = `vx:<id>:<value>`). Ephemeral replies carry flag 64. Pure; golden-tested.
 */
export function renderMessage(reply: Reply): DiscordMessage {
  const main: APIEmbed = {
    title: fitHead(`${EMOJI[reply.status]} ${reply.title.trim() || reply.status}`, L.title),
    color: COLOR[reply.status],
  };
  const fields = renderFields(reply.fields);
  if (fields.length) main.fields = fields;
  const steps = reply.steps?.length ? fitHead(stepsLine(reply.steps), 500) : '';
  const codes = (reply.code ?? []).filter((c) => c.trim()).slice(0, L.embeds - 1);
  const codeWanted = codes.reduce((n, c) => n + Math.min(c.length + FENCE, L.description), 0);
  let left = L.embedTotal - embedSize(main) - steps.length - 2;
  // The text may take what code does not need, but never squeezes code below a third of what is left.
  const textRoom = Math.min(L.description - steps.length - 2, left - Math.min(codeWanted, Math.floor(left / 3)));
  const text = reply.text?.trim() ? fitHead(reply.text.trim(), textRoom) : '';
  const description = [text, steps].filter(Boolean).join('\n\n');
  if (description) main.description = description;
  left = L.embedTotal - embedSize(main);
  const embeds = [main];
  for (const [i, code] of codes.entries()) {
    const share = Math.min(L.description, Math.floor(left / (codes.length - i)));
    if (share < FENCE + 20) break;
    const body = fitTail(defuseFences(code.replace(/\s+$/, '')), share - FENCE);
    const embed: APIEmbed = { description: `\`\`\`\n${body}\n\`\`\``, color: COLOR[reply.status] };
    embeds.push(embed);
    left -= embedSize(embed);
  }
  return {
    embeds,
    components: renderButtons(reply.buttons),
    allowed_mentions: { parse: [] },
    ...(reply.ephemeral ? { flags: EPHEMERAL } : {}),
  };
}
