import type { Redis } from 'ioredis';
import type { ChatUser } from '../core/types.ts';
import type { RedisKeys } from './keys.ts';

/**
 * A lock a person holds on app+env with `lock`: while it is held, jobs that change the app
 * (deploy, and later scale, burst, rollback) are refused, at dispatch and again when a job
 * starts. It is separate from the job lock in src/jobs/app-lock.ts, which serialises running
 * jobs and expires; this one lasts until someone runs `unlock`.
 */
export interface UserLock {
  app: string;
  env: string;
  by: ChatUser;
  /** ISO time the lock was taken. */
  since: string;
  reason?: string;
}

/** What the bot process and workers may read. */
export interface LockReader {
  get(app: string, env: string): Promise<UserLock | undefined>;
  /** Every held lock, by app then env. */
  list(): Promise<UserLock[]>;
}

export type LockResult = { result: 'locked'; lock: UserLock } | { result: 'held'; lock: UserLock };

export interface LockStore extends LockReader {
  /** Takes the lock unless someone (the same person too) already holds it; then that lock is returned. */
  lock(lock: UserLock): Promise<LockResult>;
  /** Removes the lock, whoever holds it, and records who removed it; the removed lock, or undefined if none was held. */
  unlock(app: string, env: string, by: ChatUser, at: string): Promise<UserLock | undefined>;
}

/** Entries kept in the lock log. @defaultValue 1000 */
export const LOCK_LOG_MAX = 1000;

// KEYS: locks, log. ARGV: field, lock JSON, log entry JSON, max.
const LOCK = `
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held then return {'held', held} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
return {'locked', ARGV[2]}`;

// KEYS: locks, log. ARGV: field, log entry JSON (without the lock), max.
const UNLOCK = `
local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('LPUSH', KEYS[2], string.sub(ARGV[2], 1, -2) .. ',"lock":' .. held .. '}')
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
return held`;

const field = (app: string, env: string) => `${app}:${env}`;

export function createLockStore(redis: Redis, keys: RedisKeys): LockStore {
  return {
    async get(app, env) {
      const raw = await redis.hget(keys.userLocks, field(app, env));
      return raw ? (JSON.parse(raw) as UserLock) : undefined;
    },
    async list() {
      const all = await redis.hvals(keys.userLocks);
      return all.map((raw) => JSON.parse(raw) as UserLock).sort((a, b) => a.app.localeCompare(b.app) || a.env.localeCompare(b.env));
    },
    async lock(lock) {
      const entry = JSON.stringify({ action: 'lock', app: lock.app, env: lock.env, by: lock.by, at: lock.since, reason: lock.reason });
      const [result, raw] = (await redis.eval(
        LOCK,
        2,
        keys.userLocks,
        keys.userLockLog,
        field(lock.app, lock.env),
        JSON.stringify(lock),
        entry,
        LOCK_LOG_MAX,
      )) as [string, string];
      return { result: result === 'held' ? 'held' : 'locked', lock: JSON.parse(raw) as UserLock };
    },
    async unlock(app, env, by, at) {
      const entry = JSON.stringify({ action: 'unlock', app, env, by, at });
      const raw = (await redis.eval(UNLOCK, 2, keys.userLocks, keys.userLockLog, field(app, env), entry, LOCK_LOG_MAX)) as string | null;
      return raw ? (JSON.parse(raw) as UserLock) : undefined;
    },
  };
}
