import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../config/load-config.ts';
import type { DriverMap } from '../drivers/driver.ts';
import type { Logger } from '../observability/logger.ts';
import type { RedisKeys } from '../store/keys.ts';

/**
 * At worker start and every minute: for every configured app+env whose serving release is
 * known (a fenced deploy went live) and whose app lock nobody holds, lets its driver point the
 * front door at the serving release and remove what dead or stale deploys left behind. An
 * app+env whose lock is held is left to its holder (or, when that holder's worker died, to the
 * job's takeover, which goes on under the same lock; see docs/decisions/2026-12-02-crash-recovery.md). A
 * failure is logged and does not stop the worker.
 */
export async function reconcileApps(deps: {
  redis: Redis;
  keys: RedisKeys;
  config: LoadedConfig;
  drivers: DriverMap;
  log: Logger;
  /** Which app environments this worker takes jobs of (the others are another worker's). @defaultValue all */
  serves?: ((app: string, env: string) => boolean) | undefined;
}): Promise<void> {
  for (const app of deps.config.apps) {
    const driver = deps.drivers[app.runtime];
    if (!driver?.reconcile) continue;
    for (const env of Object.keys(app.environments)) {
      if (deps.serves && !deps.serves(app.name, env)) continue;
      try {
        const live = await deps.redis.get(deps.keys.appLive(app.name, env));
        if (live === null || (await deps.redis.exists(deps.keys.appLock(app.name, env))) === 1) continue;
        const removed = await driver.reconcile(app, env, Number(live));
        if (removed.length > 0) deps.log.info('removed what stale deploys left', { app: app.name, env, removed });
      } catch (err) {
        deps.log.warn('could not reconcile', { app: app.name, env, err });
      }
    }
  }
}
