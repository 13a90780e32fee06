import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/keys.ts';
import { DEFAULT_QUEUE, queueNeeds } from './job-route.ts';

/** How long a worker's word that it takes a queue's jobs lasts; it renews it every third of that. @defaultValue 15000 */
export const PRESENCE_TTL_MS = 15_000;

/**
 * Says in Redis which queues this worker takes jobs from (a sorted set per queue, scored by
 * when the word expires), renewed until stopped; a worker that dies drops out within the TTL.
 */
export function advertiseWorker(redis: Redis, keys: RedisKeys, workerId: string, queues: () => readonly string[], ttlMs = PRESENCE_TTL_MS) {
  let said = new Set<string>();
  const renew = async () => {
    const now = queues();
    const t = await redis.time();
    const expiry = Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000) + ttlMs;
    const multi = redis.multi();
    for (const q of now) multi.zadd(keys.workers(q), expiry, workerId);
    for (const q of said) if (!now.includes(q)) multi.zrem(keys.workers(q), workerId);
    await multi.exec();
    said = new Set(now);
  };
  const timer = setInterval(() => void renew().catch(() => undefined), Math.floor(ttlMs / 3));
  timer.unref();
  return {
    renew,
    async stop() {
      clearInterval(timer);
      const multi = redis.multi();
      for (const q of said) multi.zrem(keys.workers(q), workerId);
      await multi.exec().catch(() => undefined);
    },
  };
}

/** True when some worker said, and its word has not expired, that it takes `queue`'s jobs. */
export async function hasLiveWorker(redis: Redis, keys: RedisKeys, queue: string): Promise<boolean> {
  const t = await redis.time();
  const now = Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
  return (await redis.zcount(keys.workers(queue), now, '+inf')) > 0;
}

/** For createJobQueue's `refuseUnserved`: why a job of `queue` is refused while no live worker takes that queue. */
export function refuseUnserved(redis: Redis, keys: RedisKeys) {
  return async (queue: string): Promise<string | undefined> => {
    if (await hasLiveWorker(redis, keys, queue)) return undefined;
    const which = queue === DEFAULT_QUEUE ? 'these' : queue.slice(DEFAULT_QUEUE.length + 1).toUpperCase();
    return `no worker takes ${which} jobs now: none reaches ${queueNeeds(queue)}. Nothing was queued; start \`voxoz worker\` on a machine that reaches one, then send the command again`;
  };
}
