import { DiscordAPIError, RateLimitError } from '@discordjs/rest';
import { RateLimitedError } from '../../src/relay/chat-surface.ts';

/** Discord's JSON error code of a failed call (10008 unknown message, 50027 invalid webhook token, …), if any. */
export function discordCode(err: unknown): number | undefined {
  return err instanceof DiscordAPIError && typeof err.code === 'number' ? err.code : undefined;
}

/**
 * Runs one REST call for the relay. A rate limit, whether discord.js saw it coming (its REST
 * rejects instead of waiting on relay routes) or Discord answered 429, becomes a
 * RateLimitedError carrying Retry-After, which the relay waits out for that job alone.
 */
export async function discordCall<T>(run: () => Promise<unknown>): Promise<T> {
  try {
    return (await run()) as T;
  } catch (err) {
    if (err instanceof RateLimitError) throw new RateLimitedError(Math.max(50, Math.ceil(Math.max(err.retryAfter, err.timeToReset))));
    if (err instanceof DiscordAPIError && err.status === 429) throw new RateLimitedError(1000);
    throw err;
  }
}
