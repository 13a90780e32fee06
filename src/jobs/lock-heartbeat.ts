export type LockLoss = 'taken' | 'unreachable';

export interface LockHeartbeatOptions {
  /** One renewal: true while the lock is still ours. */
  renew: () => Promise<boolean>;
  /** The lock's lifetime: with no successful renewal for this long it may be someone else's. */
  ttlMs: number;
  /** Time between renewals. @defaultValue ttlMs / 3 */
  intervalMs?: number;
  /** Called once when the lock is lost; renewing stops then. */
  onLost: (why: LockLoss) => void;
}

/**
 * Keeps a lock alive while its job runs. The lock counts as lost when a renewal says a newer
 * holder has it (`taken`), or when no renewal has succeeded for a whole TTL (`unreachable`:
 * it may have run out and been taken). A renewal's time counts from when it was sent, so the
 * holder gives up no later than the lock can have expired in Redis.
 */
export function startLockHeartbeat(opts: LockHeartbeatOptions): { stop(): void } {
  const intervalMs = opts.intervalMs ?? Math.max(1, Math.floor(opts.ttlMs / 3));
  let lastOk = Date.now();
  let inflight = false;
  let stopped = false;
  const lost = (why: LockLoss) => {
    if (stopped) return;
    stop();
    opts.onLost(why);
  };
  const timer = setInterval(() => {
    if (Date.now() - lastOk >= opts.ttlMs) return lost('unreachable');
    if (inflight) return;
    inflight = true;
    const sentAt = Date.now();
    opts.renew().then(
      (ours) => {
        inflight = false;
        if (ours) lastOk = sentAt;
        else lost('taken');
      },
      () => {
        inflight = false;
      },
    );
  }, intervalMs);
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return { stop };
}
