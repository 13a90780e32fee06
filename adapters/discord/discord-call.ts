import { RateLimitedError } from '../../src/relay/chat-surface.ts';

/*
 * Errors are recognised by shape, not `instanceof`: discord.js may bundle its own copy of
 * @discordjs/rest, whose error classes are not the ones a direct import sees.
 */
interface ApiErrorShape {
  name: string;
  code: unknown;
  status: number;
}
interface RateLimitShape {
  name: string;
  retryAfter: number;
  timeToReset: number;
}

const isApiError = (err: unknown): err is ApiErrorShape =>
  err instanceof Error && err.name.startsWith('DiscordAPIError') && typeof (err as { status?: unknown }).status === 'number';
// @discordjs/rest names it after the route: `RateLimitError[/channels/:id/messages]`.
const isRateLimit = (err: unknown): err is RateLimitShape =>
  err instanceof Error && /^RateLimitError\b/.test(err.name) && typeof (err as { retryAfter?: unknown }).retryAfter === 'number';

/** Discord's JSON error code of a failed call (10008 unknown message, 50027 invalid webhook token, …), if any. */
export function discordCode(err: unknown): number | undefined {
  return isApiError(err) && typeof err.code === 'number' ? err.code : undefined;
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
    if (isRateLimit(err)) throw new RateLimitedError(Math.max(50, Math.ceil(Math.max(err.retryAfter, err.timeToReset))));
    if (isApiError(err) && err.status === 429) throw new RateLimitedError(1000);
    throw err;
  }
}
