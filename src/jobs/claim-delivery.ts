import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Longest a delivery stays claimed while its action runs. A process that dies mid-action
 * frees the click after this long. Far above one action (a few Redis calls, each bounded by
 * the queue's own timeouts). @defaultValue 30000
 */
export const IN_FLIGHT_MS = 30_000;
/** How long a delivery that was acted on is remembered, so a redelivery does not act again. @defaultValue 86400 (24 h) */
export const DONE_TTL_S = 24 * 3600;

/**
 * What claiming a delivery (a click) found:
 * - `claimed`: act now, then `settle(true)` after the action succeeded (remembered for a day)
 *   or `settle(false)` when it failed (the claim is released, so the same click can be retried);
 * - `in-flight`: another delivery of the same click is acting right now;
 * - `done`: this click was already acted on.
 */
export type DeliveryClaim = { state: 'claimed'; settle(succeeded: boolean): Promise<void> } | { state: 'in-flight' } | { state: 'done' };

// One round trip, atomic: two concurrent deliveries cannot both see the key free.
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v == 'done' then return 'done' end
if v then return 'in-flight' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 'claimed'`;
// Releases only our own claim: a claim that expired and was taken by another delivery stays.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Claims `key` for one delivery: a short in-flight claim first, the permanent marker only once
 * the action succeeded. Marking success overwrites unconditionally: the action did happen.
 */
export async function claimDelivery(
  redis: Redis,
  key: string,
  opts: { inFlightMs?: number; doneTtlS?: number } = {},
): Promise<DeliveryClaim> {
  const token = randomUUID();
  const state = (await redis.eval(CLAIM, 1, key, token, String(opts.inFlightMs ?? IN_FLIGHT_MS))) as 'claimed' | 'in-flight' | 'done';
  if (state !== 'claimed') return { state };
  return {
    state,
    async settle(succeeded) {
      if (succeeded) await redis.set(key, 'done', 'EX', opts.doneTtlS ?? DONE_TTL_S);
      else await redis.eval(RELEASE, 1, key, token);
    },
  };
}
