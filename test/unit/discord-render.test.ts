import { describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/types.ts';
import { embedSize, renderMessage } from '../../adapters/discord/render-embeds.ts';
import { fitHead, fitTail } from '../../adapters/discord/fit-text.ts';
import { decodeButtonId, encodeButtonId } from '../../adapters/discord/button-id.ts';
import { validateMessageBody } from '../support/discord-sim/validate-message.ts';

const golden = (name: string) => `../fixtures/discord/golden/${name}.json`;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Discord's own rules (as the simulator enforces them) accept the body. */
const acceptable = (body: unknown) => expect(() => validateMessageBody(JSON.parse(JSON.stringify(body)), [])).not.toThrow();
const total = (m: ReturnType<typeof renderMessage>) => m.embeds.reduce((n, e) => n + embedSize(e), 0);

const running: Reply = {
  title: 'deploy hello: deploying',
  status: 'running',
  fields: [
    { label: 'requested by', value: 'alice' },
    { label: 'job', value: 'discord-1576129356403707911' },
  ],
  steps: [
    { name: 'build', state: 'done', ms: 4200 },
    { name: 'deploy', state: 'running' },
  ],
  buttons: [{ id: 'cancel', label: 'Cancel', style: 'danger', value: 'discord-1576129356403707911' }],
};
const succeeded: Reply = {
  title: 'hello v1 live (1/1 healthy)',
  status: 'succeeded',
  text: 'Release v1 replaced v0.',
  fields: [
    { label: 'release', value: 'v1' },
    { label: 'requested by', value: 'alice' },
  ],
  steps: [
    { name: 'build', state: 'done', ms: 4200 },
    { name: 'deploy', state: 'done', ms: 1800 },
  ],
  code: ['started hello-production-v1-0 on 127.0.0.1:8080\n127.0.0.1:8080/ is healthy'],
};
const refusal: Reply = {
  title: 'cancel: not allowed',
  status: 'error',
  text: 'only alice, who started "deploy hello", may cancel it',
  ephemeral: true,
};

describe('renderMessage (golden)', () => {
  it.each([
    ['running-parent', running],
    ['succeeded-parent', succeeded],
    ['ephemeral-refusal', refusal],
  ])('%s', async (name, reply) => {
    const body = renderMessage(reply);
    acceptable(body);
    await expect(JSON.stringify(body, null, 2)).toMatchFileSnapshot(golden(name));
  });

  it('always sends components, empty when there are no buttons (an edit must drop Cancel)', () => {
    expect(renderMessage(succeeded).components).toEqual([]);
    expect(renderMessage(running).components[0]?.components[0]).toMatchObject({
      custom_id: 'vx:cancel:discord-1576129356403707911',
      style: 4,
      label: 'Cancel',
    });
    expect(renderMessage(running).allowed_mentions).toEqual({ parse: [] });
    expect(renderMessage(refusal).flags).toBe(64);
    expect(renderMessage(running).flags).toBeUndefined();
  });
});

describe('renderMessage size edges', () => {
  const emoji = '🚀'; // two UTF-16 units
  const huge: Reply = {
    title: `${emoji}`.repeat(300),
    status: 'failed',
    text: `${'ü'.repeat(3000)}${emoji.repeat(2000)}`,
    fields: Array.from({ length: 40 }, (_, i) => ({ label: `field ${i} ${emoji.repeat(80)}`, value: `${'値'.repeat(1500)}` })),
    steps: Array.from({ length: 60 }, (_, i) => ({ name: `step-${i}`, state: 'done' as const, ms: i * 100 })),
    code: Array.from({ length: 14 }, (_, i) => `block ${i}\n${'```'}\n${emoji.repeat(3000)}\nlast line of ${i}`),
    buttons: Array.from({ length: 30 }, (_, i) => ({ id: `b${i}`, label: `${'x'.repeat(100)}${i}`, value: String(i) })),
  };

  it('stays within 10 embeds, 6,000 characters, field and button limits, and never splits a surrogate pair', () => {
    const body = renderMessage(huge);
    acceptable(body);
    expect(body.embeds.length).toBeLessThanOrEqual(10);
    expect(total(body)).toBeLessThanOrEqual(6000);
    expect(body.embeds[0]!.title!.length).toBeLessThanOrEqual(256);
    expect(body.embeds[0]!.fields!.length).toBeLessThanOrEqual(25);
    expect(body.embeds[0]!.fields!.at(-1)).toMatchObject({ name: '…', value: expect.stringMatching(/more fields? not shown/) });
    expect(body.components).toHaveLength(5);
    expect(body.components.every((r) => r.components.length === 5)).toBe(true);
    for (const e of body.embeds) expect(loneSurrogate.test(JSON.stringify(e).replace(/\\u[0-9a-f]{4}/g, ''))).toBe(false);
    for (const e of body.embeds) for (const s of [e.title ?? '', e.description ?? '']) expect(loneSurrogate.test(s)).toBe(false);
    // Code keeps its tail (newest lines) and its fences stay balanced.
    const code = body.embeds.slice(1);
    expect(code.length).toBeGreaterThan(0);
    for (const e of code) {
      expect(e.description).toMatch(/^```\n[\s\S]*last line of \d+\n```$/);
      expect(e.description!.match(/```/g)).toHaveLength(2);
    }
  });

  it('takes exactly-at-limit values unchanged and cuts one past them', () => {
    const title = 'x'.repeat(256 - 3); // "ℹ️ " is three units
    expect(renderMessage({ title, status: 'info' }).embeds[0]!.title).toBe(`ℹ️ ${title}`);
    expect(renderMessage({ title: `${title}y`, status: 'info' }).embeds[0]!.title).toHaveLength(256);
    expect(renderMessage({ title: `${title}y`, status: 'info' }).embeds[0]!.title!.endsWith('…')).toBe(true);
    const text = 't'.repeat(4096);
    const body = renderMessage({ title: 'a', status: 'info', text });
    acceptable(body);
    expect(body.embeds[0]!.description!.length).toBeLessThanOrEqual(4096);
  });

  it('leaves out a button whose custom_id would pass 100 characters instead of cutting the job id', () => {
    expect(
      renderMessage({ title: 'a', status: 'running', buttons: [{ id: 'cancel', label: 'Cancel', value: 'j'.repeat(120) }] }).components,
    ).toEqual([]);
  });
});

describe('text fitting and button ids', () => {
  it.each([
    ['abc', 3, 'abc'],
    ['abcd', 3, 'ab…'],
    ['🚀🚀', 4, '🚀🚀'],
    ['🚀🚀🚀', 4, '🚀…'],
    ['🚀🚀🚀', 2, '…'],
  ])('fitHead(%j, %d) = %j', (text, max, want) => expect(fitHead(text, max)).toBe(want));
  it.each([
    ['abcd', 3, '…cd'],
    ['🚀🚀🚀', 4, '…🚀'],
    ['a🚀', 2, '…'],
  ])('fitTail(%j, %d) = %j', (text, max, want) => expect(fitTail(text, max)).toBe(want));
  it('round-trips button ids, refuses foreign ones', () => {
    expect(decodeButtonId(encodeButtonId('cancel', 'discord-1:x')!)).toEqual({ action: 'cancel', value: 'discord-1:x' });
    expect(decodeButtonId('approve:1')).toBeUndefined();
    expect(encodeButtonId('a:b', 'v')).toBeUndefined();
  });
});
