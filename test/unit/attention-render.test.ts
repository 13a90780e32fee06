import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../adapters/discord/render-embeds.ts';
import { renderText } from '../../adapters/local/render-text.ts';
import { renderBlocks } from '../../adapters/slack/render-blocks.ts';
import type { Reply } from '../../src/core/types.ts';

const reply = (status: Reply['status']): Reply => ({ title: 'hello: 1/2 instances healthy (production)', status });

describe('a reply that needs a look', () => {
  it('is marked apart from one that succeeded on every platform', () => {
    expect(renderText(reply('attention'))).toBe('⚠ hello: 1/2 instances healthy (production)');
    expect(renderText(reply('succeeded'))).toBe('✓ hello: 1/2 instances healthy (production)');
    const header = (status: Reply['status']) => JSON.stringify(renderBlocks(reply(status)).blocks[0]);
    expect(header('attention')).toContain(':large_yellow_circle: hello');
    expect(header('succeeded')).toContain(':white_check_mark: hello');
    const look = renderMessage(reply('attention')).embeds[0]!;
    const well = renderMessage(reply('succeeded')).embeds[0]!;
    expect(look.title).toBe('🟡 hello: 1/2 instances healthy (production)');
    expect(look.color).not.toBe(well.color);
    // Not the colour of an error or a failure either.
    expect([renderMessage(reply('error')).embeds[0]!.color, renderMessage(reply('failed')).embeds[0]!.color]).not.toContain(look.color);
  });
});
