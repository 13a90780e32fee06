import type { Redis } from 'ioredis';
import type { VoxozConfig } from '../config/schema.ts';
import type { RedisKeys } from '../store/keys.ts';
import { unservedMessage } from './job-route.ts';

/** How long a worker's word that it takes a queue's jobs lasts; it renews it every third of that. @defaultValue 15000 */
export const PRESENCE_TTL_MS = 15_000;

/** What a worker says of itself (`voxoz workers`, `voxoz worker --list`). */
export interface WorkerCard {
  id: string;
  host: string;
  pid: number;
  /** ISO time it started. */
  since: string;
  /** What it reaches, in words: "Docker engine unix:///…", "target swarm-eu", "Xen host xen-a". */
  reaches: string[];
  queues: string[];
  concurrency: number;
  /** The jobs it runs now. */
  running: Array<{ id: string; command: string }>;
}

const redisNow = async (redis: Redis) => {
  const t = await redis.time();
  return Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
};

/**
 * Says in Redis which queues this worker takes jobs from (a sorted set per queue, scored by
 * when the word expires) and what it is (a card, listed by `voxoz workers`), renewed until
 * stopped; a worker that dies drops out within the TTL.
 */
export function advertiseWorker(
  redis: Redis,
  keys: RedisKeys,
  workerId: string,
  card: () => Omit<WorkerCard, 'id'>,
  ttlMs = PRESENCE_TTL_MS,
) {
  let said = new Set<string>();
  const renew = async () => {
    const now = card();
    const expiry = (await redisNow(redis)) + ttlMs;
    const multi = redis.multi();
    for (const q of now.queues) multi.zadd(keys.workers(q), expiry, workerId);
    for (const q of said) if (!now.queues.includes(q)) multi.zrem(keys.workers(q), workerId);
    multi.zadd(keys.workerCards, expiry, workerId);
    multi.hset(keys.workerCard, workerId, JSON.stringify({ id: workerId, ...now }));
    await multi.exec();
    said = new Set(now.queues);
  };
  const timer = setInterval(() => void renew().catch(() => undefined), Math.floor(ttlMs / 3));
  timer.unref();
  return {
    renew,
    async stop() {
      clearInterval(timer);
      const multi = redis.multi();
      for (const q of said) multi.zrem(keys.workers(q), workerId);
      multi.zrem(keys.workerCards, workerId);
      multi.hdel(keys.workerCard, workerId);
      await multi.exec().catch(() => undefined);
    },
  };
}

/** The workers alive now (their word has not expired), oldest first; the cards of dead ones are dropped. */
export async function listWorkers(redis: Redis, keys: RedisKeys): Promise<WorkerCard[]> {
  const now = await redisNow(redis);
  const dead = await redis.zrangebyscore(keys.workerCards, '-inf', now);
  if (dead.length > 0)
    await redis
      .multi()
      .zrem(keys.workerCards, ...dead)
      .hdel(keys.workerCard, ...dead)
      .exec();
  const ids = await redis.zrangebyscore(keys.workerCards, now, '+inf');
  if (ids.length === 0) return [];
  const cards = await redis.hmget(keys.workerCard, ...ids);
  return cards
    .flatMap((c) => (c ? [JSON.parse(c) as WorkerCard] : []))
    .sort((a, b) => a.since.localeCompare(b.since) || a.id.localeCompare(b.id));
}

/** True when some worker said, and its word has not expired, that it takes `queue`'s jobs. */
export async function hasLiveWorker(redis: Redis, keys: RedisKeys, queue: string): Promise<boolean> {
  return (await redis.zcount(keys.workers(queue), await redisNow(redis), '+inf')) > 0;
}

/** For createJobQueue's `refuseUnserved`: why a job of `queue` is refused while no live worker takes that queue. */
export function refuseUnserved(redis: Redis, keys: RedisKeys, config: () => Pick<VoxozConfig, 'apps' | 'xen' | 'targets'>) {
  return async (queue: string): Promise<string | undefined> => {
    if (await hasLiveWorker(redis, keys, queue)) return undefined;
    return unservedMessage(config(), queue);
  };
}
