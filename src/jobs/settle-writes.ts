import type { Logger } from '../observability/logger.ts';

/** How long a write that must land after the user's answer keeps being retried. @defaultValue 60000 */
export const SETTLE_RETRY_MS = 60_000;

export interface Settler {
  /** Runs `write` now and retries it (backoff 100 ms doubling to 2 s) until it succeeds or SETTLE_RETRY_MS pass. */
  settle(what: string, write: () => Promise<unknown>): void;
  /** Stops retrying and waits up to `ms` for the writes in flight. */
  close(ms: number): Promise<void>;
}

/**
 * Writes whose outcome was already told to a user (a confirm after "queued", an abandon
 * after "nothing was queued") must not be lost to a brief Redis fault, and the caller must not
 * wait for them. Both writes are idempotent, so a retry after an unclear failure is safe.
 */
export function createSettler(retryMs = SETTLE_RETRY_MS, log?: Logger): Settler {
  const inflight = new Set<Promise<void>>();
  let closing = false;
  return {
    settle(what, write) {
      const done = (async () => {
        const deadline = Date.now() + retryMs;
        for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
          try {
            await write();
            return;
          } catch (err) {
            if (closing || Date.now() > deadline) {
              log?.error('could not write to Redis after answering', { what, err });
              return;
            }
          }
          await new Promise((r) => setTimeout(r, delay));
        }
      })();
      inflight.add(done);
      void done.finally(() => inflight.delete(done));
    },
    async close(ms) {
      closing = true;
      await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, ms).unref())]);
    },
  };
}
