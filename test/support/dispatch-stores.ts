import { Redis } from 'ioredis';
import type { RedisKeys } from '../../src/store/keys.ts';
import { createLockStore, type LockStore } from '../../src/store/lock-store.ts';
import { createReleaseStore, type ReleaseStore } from '../../src/store/release-store.ts';

/**
 * The real stores a dispatcher reads (releases, user locks) on their own Redis client, as the
 * composition root builds them. Connects on first use, so a test whose Redis is not there
 * only pays when a command reaches a store; `closeStores` ends the client either way.
 */
export function dispatchStores(redisUrl: string, keys: RedisKeys): { releases: ReleaseStore; locks: LockStore; closeStores(): void } {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000 });
  redis.on('error', () => undefined);
  return { releases: createReleaseStore(redis, keys), locks: createLockStore(redis, keys), closeStores: () => redis.disconnect() };
}
