import type { Redis } from 'ioredis';
import { UserError } from '../core/user-error.ts';
import type { Fence } from '../drivers/driver.ts';
import type { RedisKeys } from '../store/keys.ts';
import { APP_LOCK_TTL_MS, acquireAppLock, releaseAppLock, renewAppLock } from './app-lock.ts';
import { createFence } from './app-fence.ts';
import { startLockHeartbeat, type LockLoss } from './lock-heartbeat.ts';

export type HeldLock =
  | { held: false; holder: string }
  | {
      held: true;
      fence: Fence;
      /** Aborted, with a UserError saying why, when the lock is lost while the job runs. */
      lost: AbortSignal;
      /** Stops the heartbeat and frees the lock (if it is still ours). */
      release(): Promise<void>;
    };

/**
 * Takes app+env's deploy lock for a job and keeps it while the job runs: a heartbeat renews it
 * every third of `ttlMs`; a lost lock aborts `lost`, so the job stops at its next step.
 */
export async function holdAppLock(
  redis: Redis,
  keys: RedisKeys,
  jobId: string,
  app: string,
  env: string,
  ttlMs = APP_LOCK_TTL_MS,
): Promise<HeldLock> {
  const lockKeys = { lock: keys.appLock(app, env), fence: keys.appFence(app, env) };
  const attempt = await acquireAppLock(redis, lockKeys, jobId, ttlMs);
  if (!attempt.held) return attempt;
  const controller = new AbortController();
  const why = (loss: LockLoss) =>
    loss === 'taken'
      ? 'another job took it over after this one had paused for longer than the lock lives'
      : `Redis did not answer for ${Math.round(ttlMs / 1000)} s, so another job may have taken it`;
  const heartbeat = startLockHeartbeat({
    renew: () => renewAppLock(redis, lockKeys, attempt.value, ttlMs),
    ttlMs,
    onLost: (loss) =>
      controller.abort(
        new UserError(
          'lock_lost',
          `voxoz lost the deploy lock of ${app} (${env}): ${why(loss)}. This job stopped at its next step so that two jobs never change ${app} at once; run it again if it is still wanted.`,
        ),
      ),
  });
  return {
    held: true,
    fence: createFence(redis, { fence: lockKeys.fence, live: keys.appLive(app, env) }, attempt.token),
    lost: controller.signal,
    async release() {
      heartbeat.stop();
      await releaseAppLock(redis, lockKeys, attempt.value);
    },
  };
}
