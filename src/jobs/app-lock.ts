import type { Redis } from 'ioredis';

/** How long a deploy lock lives if its holder dies without releasing it. @defaultValue 30 min */
export const APP_LOCK_TTL_MS = 30 * 60 * 1000;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Serialises work that changes an app in an environment (heaven's `name-environment` lock).
 * Returns the holder's job id when someone else holds it, or undefined once it is ours.
 */
export async function acquireAppLock(redis: Redis, key: string, jobId: string): Promise<string | undefined> {
  const ok = await redis.set(key, jobId, 'PX', APP_LOCK_TTL_MS, 'NX');
  if (ok === 'OK') return undefined;
  const holder = await redis.get(key);
  if (holder === jobId) return undefined; // a retry of the job that already holds it
  return holder ?? (await acquireAppLock(redis, key, jobId));
}

export async function releaseAppLock(redis: Redis, key: string, jobId: string): Promise<void> {
  await redis.eval(RELEASE, 1, key, jobId);
}
