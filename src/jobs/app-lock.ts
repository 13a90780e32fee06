import type { Redis } from 'ioredis';

/**
 * How long a deploy lock lives without a renewal. The holder's heartbeat renews it every third
 * of this, so it only runs out when the holder died or cannot reach Redis; short, so a dead
 * holder blocks the next deploy of its app for minutes, not half an hour. @defaultValue 2 min
 */
export const APP_LOCK_TTL_MS = 2 * 60 * 1000;

/** The keys of one app+env's lock: the lock itself and its fencing-token counter. */
export interface AppLockKeys {
  lock: string;
  fence: string;
}

export type LockAttempt = { held: true; token: number; value: string } | { held: false; holder: string };

// A free lock, or one held by an earlier attempt of this same job (BullMQ runs a job again only
// once it believes that attempt gone), is taken with a new fencing token: the token goes up by one
// with every holder, so a paused earlier holder can always tell it is no longer the newest.
const ACQUIRE = `
local v = redis.call('GET', KEYS[1])
if v then
  local holder = string.sub(v, string.find(v, ':', 1, true) + 1)
  if holder ~= ARGV[1] then return {0, holder} end
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
return {1, token}`;

// Extends our own lock; one that ran out is taken back if nobody took a newer token meanwhile.
const RENEW = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not v and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Serialises work that changes an app in an environment (heaven's `name-environment` lock).
 * Held: our fencing token and the lock's value (`<token>:<job id>`, for renew and release).
 * Not held: the job id of the holder.
 */
export async function acquireAppLock(redis: Redis, keys: AppLockKeys, jobId: string, ttlMs = APP_LOCK_TTL_MS): Promise<LockAttempt> {
  const [held, who] = (await redis.eval(ACQUIRE, 2, keys.lock, keys.fence, jobId, ttlMs)) as [number, number | string];
  return held === 1 ? { held: true, token: Number(who), value: `${who}:${jobId}` } : { held: false, holder: String(who) };
}

/** True while the lock is still ours (renewed for another `ttlMs`); false once a newer holder exists. */
export async function renewAppLock(redis: Redis, keys: AppLockKeys, value: string, ttlMs = APP_LOCK_TTL_MS): Promise<boolean> {
  const token = value.slice(0, value.indexOf(':'));
  return (await redis.eval(RENEW, 2, keys.lock, keys.fence, value, ttlMs, token)) === 1;
}

export async function releaseAppLock(redis: Redis, keys: AppLockKeys, value: string): Promise<void> {
  await redis.eval(RELEASE, 1, keys.lock, value);
}
