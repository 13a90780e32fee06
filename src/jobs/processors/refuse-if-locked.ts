import { UserError } from '../../core/user-error.ts';
import { utcMinute } from '../../dispatch/utc-minute.ts';
import type { UserLock } from '../../store/lock-store.ts';

/** The refusal of a change to a locked app+env: "locked by X since T: reason", and how to lift it. */
export function lockedError(lock: UserLock): UserError {
  const reason = lock.reason ? `: ${lock.reason}` : ' (no reason given)';
  return new UserError(
    'app_locked',
    `${lock.app} (${lock.env}) is locked by ${lock.by.name} since ${utcMinute(lock.since)}${reason}. Nothing was changed; "unlock ${lock.app}${lock.env === 'production' ? '' : ` --env ${lock.env}`}" lifts it.`,
  );
}

/** What a dry run's plan says of a locked app+env: the change it plans would be refused. */
export function lockedNote(lock: UserLock): string {
  const reason = lock.reason ? `: ${lock.reason}` : '';
  return `by ${lock.by.name} since ${utcMinute(lock.since)}${reason}; the change itself is refused until "unlock ${lock.app}${lock.env === 'production' ? '' : ` --env ${lock.env}`}"`;
}
