import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.ts';

/** One deploy attempt of an app to an environment. Written once, never edited. */
export interface Release {
  app: string;
  env: string;
  number: number;
  /** Image id (Docker) or kernel image sha256 (LING). */
  artifact: string;
  image?: string;
  commit?: string;
  deployedBy: string;
  approvedBy?: string;
  at: string;
  outcome: 'live' | 'failed' | 'cancelled';
  jobId: string;
  /** Set on a rollback's release: the number of the release whose artifact it redeployed. */
  rollbackOf?: number;
  /** Set on a promotion's release: the environment and release whose artifact it deployed (`promote`). */
  promotedFrom?: { env: string; number: number };
  /** Set on a restart's release: the number of the live release whose artifact it started afresh (`restart`). */
  restartOf?: number;
}

export interface ReleaseStore {
  /** Reserves the next release number for app+env (1, 2, …); numbers are never reused. */
  next(app: string, env: string): Promise<number>;
  /** The highest number reserved so far (0 before the first): a running deploy's is reserved before it is recorded. */
  reserved?(app: string, env: string): Promise<number>;
  record(release: Release): Promise<void>;
  list(app: string, env: string): Promise<Release[]>;
  get(app: string, env: string, number: number): Promise<Release | undefined>;
  /** Notes artifacts (image ids) that retention deleted from the engine: releases using them can no longer be rolled back to. */
  markPruned?(app: string, env: string, artifacts: ReadonlyArray<string>): Promise<void>;
  /** The artifacts retention deleted (optional so read-only doubles need not have it: none then). */
  pruned?(app: string, env: string): Promise<ReadonlySet<string>>;
}

/** The read side, for answers in the bot process (`releases`): no numbers reserved, nothing written. */
export type ReleaseReader = Pick<ReleaseStore, 'list' | 'get' | 'pruned'>;

export function createReleaseStore(redis: Redis, keys: RedisKeys): ReleaseStore {
  return {
    next: (app, env) => redis.incr(keys.releaseSeq(app, env)),
    reserved: async (app, env) => Number((await redis.get(keys.releaseSeq(app, env))) ?? 0),
    async record(release) {
      const written = await redis.hsetnx(keys.releases(release.app, release.env), String(release.number), JSON.stringify(release));
      if (written === 0 && !(await sameOutcomeOfSameJob(redis, keys, release)))
        throw new Error(`release ${release.app} v${release.number} (${release.env}) was already recorded`);
    },
    async list(app, env) {
      const all = await redis.hvals(keys.releases(app, env));
      return all.map((r) => JSON.parse(r) as Release).sort((a, b) => a.number - b.number);
    },
    async get(app, env, number) {
      const raw = await redis.hget(keys.releases(app, env), String(number));
      return raw ? (JSON.parse(raw) as Release) : undefined;
    },
    async markPruned(app, env, artifacts) {
      if (artifacts.length > 0) await redis.sadd(`${keys.releases(app, env)}:pruned`, ...artifacts);
    },
    async pruned(app, env) {
      return new Set(await redis.smembers(`${keys.releases(app, env)}:pruned`));
    },
  };
}

/** A takeover of a job whose worker died right after writing its release may write it again: the same job and outcome is no conflict. */
async function sameOutcomeOfSameJob(redis: Redis, keys: RedisKeys, release: Release): Promise<boolean> {
  const raw = await redis.hget(keys.releases(release.app, release.env), String(release.number));
  const earlier = raw ? (JSON.parse(raw) as Release) : undefined;
  return earlier !== undefined && earlier.jobId === release.jobId && earlier.outcome === release.outcome;
}
