import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.ts';

/**
 * The desired replica count of each app environment: what deploys start and what status
 * measures against. `replicas` from config until `scale` stores a count; from then on the
 * stored count wins (a deploy keeps it), also across restarts (it lives in Redis).
 */
export interface DesiredStore {
  /** The stored count, or `configured` (the app's `replicas`) when none was stored. */
  get(app: string, env: string, configured: number): Promise<number>;
  /** Stores `n` as app+env's desired count. */
  set(app: string, env: string, n: number): Promise<void>;
}

export function createDesiredStore(redis: Redis, keys: RedisKeys): DesiredStore {
  const field = (app: string, env: string) => `${app}:${env}`;
  return {
    async get(app, env, configured) {
      const raw = await redis.hget(keys.desired, field(app, env));
      const n = raw === null ? Number.NaN : Number(raw);
      return Number.isInteger(n) && n >= 0 ? n : configured;
    },
    async set(app, env, n) {
      await redis.hset(keys.desired, field(app, env), String(n));
    },
  };
}
