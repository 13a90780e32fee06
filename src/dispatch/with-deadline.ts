import { UserError } from '../core/user-error.ts';

/** Longest the dispatcher waits for its stores (a lock check, an answer's reads) before it answers anyway. @defaultValue 1000 */
export const STORE_TIMEOUT_MS = 1000;

/** The UserError for a store that did not answer in time; `late` says what that means (a write may still land). */
export const storeUnavailable = (ms: number, late: string) =>
  new UserError('store_unavailable', `Redis did not answer within ${(ms / 1000).toFixed(1)} s; ${late}`);

/**
 * Resolves as `work` does, or rejects with `timeout()` after `ms`: chat platforms want an
 * answer within 3 s, and a user must hear something while Redis is away. `work` is not stopped.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timeout()), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
