import type { Reply } from '../../src/core/types.ts';

const MARK: Record<Reply['status'], string> = {
  info: 'ℹ',
  queued: '…',
  running: '▶',
  succeeded: '✓',
  attention: '⚠',
  failed: '✗',
  cancelled: '⊘',
  'waiting-approval': '⏸',
  error: '✗',
};
const STEP: Record<string, string> = { pending: '·', running: '▶', done: '✓', failed: '✗', skipped: '-' };

/** Renders a neutral Reply as plain text for the terminal and the local web page. */
export function renderText(reply: Reply): string {
  const out = [`${MARK[reply.status]} ${reply.title}`];
  if (reply.steps?.length)
    out.push(
      `  steps: ${reply.steps.map((s) => `${STEP[s.state]} ${s.name}${s.ms !== undefined ? ` ${(s.ms / 1000).toFixed(1)}s` : ''}`).join('  ')}`,
    );
  if (reply.text) out.push(...reply.text.split('\n').map((l) => `  ${l}`));
  for (const f of reply.fields ?? []) {
    const [first = '', ...more] = f.value.split('\n');
    out.push(`  ${f.label}: ${first}`, ...more.map((l) => `  ${' '.repeat(f.label.length + 2)}${l}`));
  }
  for (const block of reply.code ?? []) out.push(...block.split('\n').map((l) => `    ${l}`));
  if (reply.buttons?.length) out.push(`  [${reply.buttons.map((b) => b.label).join('] [')}]`);
  return out.join('\n');
}
