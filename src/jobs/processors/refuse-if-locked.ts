import { UserError } from '../../core/user-error.ts';
import { utcMinute } from '../../dispatch/utc-minute.ts';
import type { LockReader, UserLock } from '../../store/lock-store.ts';

/** The refusal of a change to a locked app+env: "locked by X since T: reason", and how to lift it. */
export function lockedError(lock: UserLock): UserError {
  const reason = lock.reason ? `: ${lock.reason}` : ' (no reason given)';
  return new UserError(
    'app_locked',
    `${lock.app} (${lock.env}) is locked by ${lock.by.name} since ${utcMinute(lock.since)}${reason}. Nothing was changed; "unlock ${lock.app}${lock.env === 'production' ? '' : ` --env ${lock.env}`}" lifts it.`,
  );
}

/**
 * Throws `app_locked` while a person holds app+env's lock. Dispatch checks it before queueing;
 * runJob checks it again before a `mutates` processor starts, so a job queued before the lock
 * was taken is refused too (nothing has changed by then: it runs before the first step).
 */
export async function refuseIfLocked(locks: LockReader, app: string, env: string): Promise<void> {
  const lock = await locks.get(app, env);
  if (lock) throw lockedError(lock);
}
