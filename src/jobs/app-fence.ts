import type { Redis } from 'ioredis';
import type { Fence } from '../drivers/driver.ts';

// The switch: only the newest token may become the serving one.
const CLAIM_LIVE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[2], ARGV[1]) return 1 end return 0`;

/** The Redis-backed Fence of one lock holder: `fence` is the app+env token counter, `live` the serving token. */
export function createFence(redis: Redis, keys: { fence: string; live: string }, token: number): Fence {
  return {
    token,
    isNewest: async () => (await redis.get(keys.fence)) === String(token),
    async live() {
      const raw = await redis.get(keys.live);
      return raw === null ? undefined : Number(raw);
    },
    claimLive: async () => (await redis.eval(CLAIM_LIVE, 2, keys.fence, keys.live, String(token))) === 1,
  };
}
