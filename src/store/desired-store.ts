import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.ts';

/** Replicas a burst adds on top of the desired count, until `until` (ISO time); `job` is the burst's job id. */
export interface Burst {
  add: number;
  until: string;
  job: string;
}

/**
 * The desired replica count of each app environment: what deploys start and what status
 * measures against. `replicas` from config until `scale` stores a count; from then on the
 * stored count wins (a deploy keeps it), also across restarts (it lives in Redis). A burst adds
 * to it until its scale-back clears the burst.
 */
export interface DesiredStore {
  /** The stored count, or `configured` (the app's `replicas`) when none was stored. */
  get(app: string, env: string, configured: number): Promise<number>;
  /** Stores `n` as app+env's desired count. */
  set(app: string, env: string, n: number): Promise<void>;
  /** The burst on app+env, if one is recorded (its scale-back clears it). */
  burst(app: string, env: string): Promise<Burst | undefined>;
  setBurst(app: string, env: string, burst: Burst): Promise<void>;
  clearBurst(app: string, env: string): Promise<void>;
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
    async burst(app, env) {
      const raw = await redis.hget(keys.bursts, field(app, env));
      return raw ? (JSON.parse(raw) as Burst) : undefined;
    },
    async setBurst(app, env, burst) {
      await redis.hset(keys.bursts, field(app, env), JSON.stringify(burst));
    },
    async clearBurst(app, env) {
      await redis.hdel(keys.bursts, field(app, env));
    },
  };
}
