import { RateLimitError } from '@discordjs/rest';
import { describe, expect, it } from 'vitest';
import { discordCall } from '../../adapters/discord/discord-call.ts';
import { RateLimitedError } from '../../src/relay/chat-surface.ts';

/**
 * A rate limit discord.js saw coming (its REST rejects on the relay's routes instead of waiting)
 * is a RateLimitedError the relay waits out, not a failure it counts towards giving up. Its error
 * is @discordjs/rest's own class, whose name carries the route.
 */
describe('discordCall', () => {
  it('turns @discordjs/rest RateLimitError (named after its route) into RateLimitedError with its wait', async () => {
    const limited = new RateLimitError({
      timeToReset: 1800,
      limit: 5,
      method: 'POST',
      hash: 'h',
      url: 'http://127.0.0.1/api/v10/channels/1/messages',
      route: '/channels/:id/messages',
      majorParameter: '1',
      global: false,
      retryAfter: 1200,
      sublimitTimeout: 0,
      scope: 'user',
    });
    expect(limited.name).toBe('RateLimitError[/channels/:id/messages]');
    const err = await discordCall(() => Promise.reject(limited)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(1800);
  });

  it('passes any other error through unchanged', async () => {
    const other = new Error('boom');
    await expect(discordCall(() => Promise.reject(other))).rejects.toBe(other);
  });
});
