import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../config/load-config.ts';
import type { DriverMap } from '../drivers/driver.ts';
import type { Logger } from '../observability/logger.ts';
import type { RedisKeys } from '../store/keys.ts';

/**
 * At worker start: for every configured app+env whose serving release is known (a fenced
 * deploy went live), lets its driver remove what stale lock holders left behind. Needs no
 * lock (only tokens older than the serving one are removed, and no holder has one); a
 * failure is logged and does not stop the worker.
 */
export async function reconcileApps(deps: {
  redis: Redis;
  keys: RedisKeys;
  config: LoadedConfig;
  drivers: DriverMap;
  log: Logger;
}): Promise<void> {
  for (const app of deps.config.apps) {
    const driver = deps.drivers[app.runtime];
    if (!driver?.reconcile) continue;
    for (const env of Object.keys(app.environments)) {
      try {
        const live = await deps.redis.get(deps.keys.appLive(app.name, env));
        if (live === null) continue;
        const removed = await driver.reconcile(app, env, Number(live));
        if (removed.length > 0) deps.log.info('removed what stale deploys left', { app: app.name, env, removed });
      } catch (err) {
        deps.log.warn('could not reconcile', { app: app.name, env, err });
      }
    }
  }
}
