import type { Reply, ReplyStep } from '../../src/core/types.ts';
import { escapeMrkdwn, fitHead, fitTailLines, splitLines } from './fit-text.ts';

/** Block Kit limits Slack enforces on messages (and the simulator checks). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  buttonsPerActions: 25,
  /** chat.update's `text`, the smaller of the two message text limits. */
  messageText: 4000,
} as const;

export type SlackBlock = Record<string, unknown>;

/** A message as chat.postMessage / chat.update / a response_url take it. */
export interface SlackMessage {
  /** Fallback for notifications and clients without blocks; within every method's limit. */
  text: string;
  blocks: SlackBlock[];
}

const EMOJI: Record<Reply['status'], string> = {
  info: ':information_source:',
  queued: ':hourglass_flowing_sand:',
  running: ':arrow_forward:',
  succeeded: ':white_check_mark:',
  attention: ':large_yellow_circle:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
  'waiting-approval': ':double_vertical_bar:',
  error: ':warning:',
};
const STEP_MARK: Record<ReplyStep['state'], string> = { pending: '◻', running: '▶', done: '✓', failed: '✗', skipped: '–' };
/** Room for the code fences around a code section. */
const FENCE = '```\n\n```'.length;

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string): SlackBlock => ({ type: 'section', text: mrkdwn(text) });

function stepsLine(steps: ReadonlyArray<ReplyStep>): string {
  return steps
    .map((s) => `${STEP_MARK[s.state]} ${escapeMrkdwn(s.name)}${s.ms !== undefined ? ` ${(s.ms / 1000).toFixed(1)}s` : ''}`)
    .join('   ');
}

/**
 * Renders a neutral Reply as Block Kit within Slack's limits: a header with the status, the
 * text (split over sections), the steps, the fields, code (each block keeps its tail: the
 * newest log lines matter most) and the buttons (action_id = the button's id, so a click comes
 * back as that id). Never more than 50 blocks: text and code give way first, the header and
 * buttons always stay. Pure; golden-tested.
 */
export function renderBlocks(reply: Reply): SlackMessage {
  const head: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: fitHead(`${EMOJI[reply.status]} ${reply.title}`, SLACK_LIMITS.headerText, false), emoji: true },
    },
  ];
  const body: SlackBlock[] = [];
  if (reply.text) for (const chunk of splitLines(reply.text, SLACK_LIMITS.sectionText)) if (chunk.trim()) body.push(section(chunk));
  if (reply.steps?.length)
    body.push({ type: 'context', elements: [mrkdwn(fitHead(stepsLine(reply.steps), SLACK_LIMITS.sectionText, false))] });
  const fields = (reply.fields ?? []).map((f) =>
    mrkdwn(`*${fitHead(f.label, 100)}*\n${fitHead(f.value || '–', SLACK_LIMITS.fieldText - 110)}`),
  );
  for (let i = 0; i < fields.length; i += SLACK_LIMITS.fieldsPerSection)
    body.push({ type: 'section', fields: fields.slice(i, i + SLACK_LIMITS.fieldsPerSection) });
  for (const code of reply.code ?? []) {
    if (code.trim()) body.push(section(`\`\`\`\n${fitTailLines(code.replace(/```/g, "'''"), SLACK_LIMITS.sectionText - FENCE)}\n\`\`\``));
  }
  const tail: SlackBlock[] = [];
  const buttons = (reply.buttons ?? []).slice(0, SLACK_LIMITS.buttonsPerActions).map((b) => ({
    type: 'button',
    action_id: fitHead(b.id, SLACK_LIMITS.actionId, false),
    value: b.value.slice(0, SLACK_LIMITS.buttonValue),
    text: { type: 'plain_text', text: fitHead(b.label, SLACK_LIMITS.buttonText, false), emoji: true },
    ...(b.style === 'primary' || b.style === 'danger' ? { style: b.style } : {}),
  }));
  if (buttons.length) tail.push({ type: 'actions', block_id: 'voxoz-buttons', elements: buttons });
  const room = SLACK_LIMITS.blocks - head.length - tail.length;
  if (body.length > room) {
    const dropped = body.length - (room - 1);
    body.splice(room - 1, body.length, {
      type: 'context',
      elements: [mrkdwn(`… ${dropped} more block${dropped === 1 ? '' : 's'} not shown`)],
    });
  }
  const fallback = reply.text ? `${reply.title}\n${reply.text}` : reply.title;
  return { text: fitHead(fallback, SLACK_LIMITS.sectionText), blocks: [...head, ...body, ...tail] };
}
