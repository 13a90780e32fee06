import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/keys.ts';

/**
 * One thing the status chart counts, for one app+env. `at` is epoch ms.
 * - `deploy`: a deploy that went live; `failure`: a job of the app that failed. `id` (the job
 *   id) makes recording idempotent: the same outcome recorded twice counts once.
 * - `health`: healthy/desired replicas at one sampling instant (the summary job, or an event).
 */
export type StatusSample =
  | { kind: 'deploy' | 'failure'; at: number; id: string }
  | { kind: 'health'; at: number; healthy: number; desired: number };

/** How much history a key keeps. */
export interface SampleLimits {
  /** Samples older than this (by the clock, not by their own time) are dropped. @defaultValue 30 days */
  maxAgeMs: number;
  /** At most this many samples per app+env; the oldest go first. @defaultValue 2000 */
  maxCount: number;
}

export const DEFAULT_SAMPLE_LIMITS: SampleLimits = { maxAgeMs: 30 * 86_400_000, maxCount: 2000 };

/** Where the chart's samples live. The lead wires who records (summary job, deploy outcomes). */
export interface StatusSamples {
  /** Adds a sample to app+env and trims that key by age and count, in one transaction. */
  record(app: string, env: string, sample: StatusSample): Promise<void>;
  /** Samples of app+env at or after `sinceMs`, oldest first. */
  since(app: string, env: string, sinceMs: number): Promise<StatusSample[]>;
  /** The last `days` days (default 14) of samples of each target, in the order given. */
  lastDays(targets: ReadonlyArray<{ app: string; env: string }>, days?: number): Promise<AppSamples[]>;
}

export interface AppSamples {
  app: string;
  env: string;
  samples: StatusSample[];
}

/**
 * Samples of an app+env are one sorted set scored by `at`, each member the sample's JSON
 * (hence idempotent for equal samples). Every write trims, and the key expires `maxAgeMs`
 * after its last write, so an app that is no longer sampled leaves nothing behind.
 */
export function createStatusSamples(
  redis: Redis,
  keys: RedisKeys,
  now: () => number = Date.now,
  limits: SampleLimits = DEFAULT_SAMPLE_LIMITS,
): StatusSamples {
  const since: StatusSamples['since'] = async (app, env, sinceMs) => {
    const members = await redis.zrangebyscore(keys.statusSamples(app, env), sinceMs, '+inf');
    return members.map((m) => JSON.parse(m) as StatusSample);
  };
  return {
    async record(app, env, sample) {
      const key = keys.statusSamples(app, env);
      const result = await redis
        .multi()
        .zadd(key, sample.at, JSON.stringify(sample))
        // Exclusive bound: a sample exactly maxAgeMs old stays; anything older goes.
        .zremrangebyscore(key, '-inf', `(${now() - limits.maxAgeMs}`)
        .zremrangebyrank(key, 0, -(limits.maxCount + 1))
        .pexpire(key, limits.maxAgeMs)
        .exec();
      const failed = result?.find(([err]) => err);
      if (!result || failed) throw failed?.[0] ?? new Error(`recording a status sample of ${app}:${env} was aborted`);
    },
    since,
    async lastDays(targets, days = 14) {
      const from = now() - days * 86_400_000;
      return Promise.all(targets.map(async ({ app, env }) => ({ app, env, samples: await since(app, env, from) })));
    },
  };
}
