import type { Redis } from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** Claims a job's relay for `owner` unless another live process holds it. */
export async function claimLease(redis: Redis, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return (await redis.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK' || (await redis.get(key)) === owner;
}

/** Extends the lease; false means it was lost (expired and taken by another process). */
export async function renewLease(redis: Redis, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return (await redis.eval(RENEW, 1, key, owner, String(ttlMs))) === 1;
}
