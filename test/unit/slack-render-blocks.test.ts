import { describe, expect, it } from 'vitest';
import { renderBlocks, SLACK_LIMITS } from '../../adapters/slack/render-blocks.ts';
import type { Reply } from '../../src/core/types.ts';
import { checkBlocks } from '../support/slack-sim/blocks.ts';

const cancel = { id: 'cancel', label: 'Cancel', style: 'danger' as const, value: 'slack-1700000000.1.abc' };
const logLine = (i: number) => `#${i} Step ${i % 9}/9 : RUN make -j8 target_${i} <ok> & done`;
/** A 40 KB log tail: far more than one section holds. */
const log40k = Array.from({ length: 700 }, (_, i) => logLine(i + 1)).join('\n');

/** Every Reply shape voxoz produces, plus the size-limit edge cases, by scenario name. */
const cases: Record<string, Reply> = {
  'help-info': {
    title: 'voxoz commands',
    status: 'info',
    text: '*deploy* <app> [ref] — build and deploy\n*status* [app] — what runs where\n*help* — this list',
    ephemeral: true,
  },
  'parse-error': {
    title: 'deploy: invalid arguments',
    status: 'error',
    text: '• missing <app>: one of hello, web\nUsage: voxoz deploy <app> [ref] [--env <env>]',
    ephemeral: true,
  },
  'queued-ack': {
    title: 'deploy hello: queued',
    status: 'queued',
    text: 'Job slack-1 is queued; progress follows in the thread.',
    ephemeral: true,
  },
  'queued-parent': {
    title: 'deploy hello: queued',
    status: 'queued',
    fields: [
      { label: 'requested by', value: 'alice' },
      { label: 'job', value: 'slack-1' },
    ],
    steps: [],
    buttons: [cancel],
  },
  'running-steps': {
    title: 'deploy hello: deploying',
    status: 'running',
    text: 'attempt 2',
    fields: [
      { label: 'requested by', value: 'alice' },
      { label: 'job', value: 'slack-1' },
    ],
    steps: [
      { name: 'build', state: 'done', ms: 3210 },
      { name: 'deploy', state: 'running' },
      { name: 'switch', state: 'pending' },
    ],
    buttons: [cancel],
  },
  succeeded: {
    title: 'hello v3 live (2/2 healthy)',
    status: 'succeeded',
    fields: [
      { label: 'release', value: 'v3' },
      { label: 'image', value: 'voxoz/hello:3 (0123456789ab)' },
      { label: 'instances', value: 'hello-1 at 127.0.0.1:8080\nhello-2 at 127.0.0.1:8081' },
      { label: 'requested by', value: 'alice' },
    ],
    steps: [
      { name: 'build', state: 'done', ms: 4100 },
      { name: 'deploy', state: 'done', ms: 2900 },
    ],
  },
  failed: {
    title: 'deploy hello: failed',
    status: 'failed',
    text: 'health check failed: GET / answered 500',
    code: ['ERROR: connection refused <127.0.0.1:8080>'],
    steps: [
      { name: 'build', state: 'done', ms: 1000 },
      { name: 'deploy', state: 'failed', ms: 20000 },
    ],
  },
  cancelled: {
    title: 'deploy hello: cancelled by alice',
    status: 'cancelled',
    text: 'It was still queued; nothing had started.',
    fields: [{ label: 'requested by', value: 'alice' }],
  },
  'waiting-approval': {
    title: 'rollback hello to v2: waiting for approval',
    status: 'waiting-approval',
    text: 'bob asked to roll back production.',
    buttons: [
      { id: 'approve', label: 'Approve', style: 'primary', value: 'ap-1' },
      { id: 'reject', label: 'Reject', style: 'default', value: 'ap-1' },
    ],
  },
  'internal-error': {
    title: 'cancel: internal error',
    status: 'error',
    text: 'voxoz hit an internal error (ref 1a2b3c4d); nothing was queued.',
    ephemeral: true,
  },
  multibyte: {
    title: `デプロイ 🚀 ${'長'.repeat(200)}`,
    status: 'running',
    text: `${'😀 émoji ünïcode 漢字 '.repeat(400)}`,
    fields: [{ label: 'ラベル', value: '値 🎉'.repeat(900) }],
    buttons: [{ id: 'cancel', label: `取り消し ${'🛑'.repeat(60)}`, value: 'job-ü' }],
  },
  'log-tail-40kb': { title: 'deploy big: failed', status: 'failed', text: 'build failed; the last lines:', code: [log40k] },
  'too-many-blocks': {
    title: 'status: 80 apps',
    status: 'info',
    text: Array.from({ length: 80 }, (_, i) => `app-${i}: ${'x'.repeat(2900)}`).join('\n'),
    fields: Array.from({ length: 25 }, (_, i) => ({ label: `f${i}`, value: `v${i}` })),
    buttons: [cancel],
  },
};

describe('renderBlocks (Slack Block Kit), golden', () => {
  for (const [name, reply] of Object.entries(cases)) {
    it(`${name}: matches its golden file and passes Slack's block checks`, async () => {
      const msg = renderBlocks(reply);
      await expect(`${JSON.stringify(msg, null, 2)}\n`).toMatchFileSnapshot(`../fixtures/slack/golden/${name}.json`);
      const check = checkBlocks(msg.blocks);
      expect(check.ok ? [] : check.errors).toEqual([]);
      expect(msg.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      expect(msg.text.length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
      expect(msg.text).not.toMatch(/[\uD800-\uDBFF]$/);
      expect(JSON.stringify(msg)).not.toMatch(/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i);
      if (reply.buttons?.length) expect(msg.blocks.at(-1)).toMatchObject({ type: 'actions' });
    });
  }

  it('keeps the newest lines of a 40 KB log and escapes them', () => {
    const msg = renderBlocks(cases['log-tail-40kb']!);
    const code = msg.blocks.find((b) => JSON.stringify(b).includes('```')) as { text: { text: string } };
    expect(code.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(code.text.text).toContain('#700 Step 7/9 : RUN make -j8 target_700 &lt;ok&gt; &amp; done\n```');
    expect(code.text.text).not.toContain('#1 Step');
    expect(code.text.text).toMatch(/^```\n…\n#\d+ Step/);
  });

  it('says how many blocks were left out when there are more than 50', () => {
    const msg = renderBlocks(cases['too-many-blocks']!);
    expect(msg.blocks).toHaveLength(50);
    expect(JSON.stringify(msg.blocks.at(-2))).toMatch(/more blocks not shown/);
  });

  it('renders a button id as its action_id and its value unchanged, so a click round-trips', () => {
    const msg = renderBlocks(cases['queued-parent']!);
    expect(msg.blocks.at(-1)).toMatchObject({
      type: 'actions',
      elements: [{ type: 'button', action_id: 'cancel', value: cancel.value, style: 'danger' }],
    });
    const approval = renderBlocks(cases['waiting-approval']!).blocks.at(-1) as { elements: Array<Record<string, unknown>> };
    expect(approval.elements.map((e) => [e.action_id, e.style])).toEqual([
      ['approve', 'primary'],
      ['reject', undefined],
    ]);
  });
});
