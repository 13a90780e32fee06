import type { Logger } from '../observability/logger.ts';
import type { WorkerPool } from './worker-pool.ts';

/** What a worker reaches now: the queues it can take, and the same in words for `voxoz workers`. */
export interface Reach {
  queues: string[];
  reaches: string[];
}

/**
 * Asks again, every `everyMs()` and whenever `check` is called (a reload), what this worker
 * reaches, and has the pool take exactly those queues: a target or Xen host that answers now is
 * served from then on, one that stopped answering is let go (its running jobs finish). One check
 * at a time; a check that fails leaves the pool as it is.
 */
export function watchReach(opts: {
  pool: Pick<WorkerPool, 'serve' | 'queues'>;
  /** Asks what is reached now (it may take seconds: each engine and host is asked). */
  decide: () => Promise<Reach>;
  everyMs: () => number;
  log: Logger;
  /** Told the queues taken after each change. */
  onChange?: (queues: readonly string[]) => void;
}) {
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const once = async () => {
    const { queues, reaches } = await opts.decide();
    if (stopped) return;
    const before = opts.pool.queues();
    const added = queues.filter((q) => !before.includes(q));
    const left = before.filter((q) => !queues.includes(q));
    await opts.pool.serve(queues, reaches);
    if (added.length > 0 || left.length > 0) {
      opts.log.info('this worker takes other queues now', { added, left, queues });
      opts.onChange?.(queues);
    }
  };
  const check = (): Promise<void> => {
    running ??= once()
      .catch((err: unknown) => opts.log.warn('could not check again what this worker reaches; it takes the same jobs', { err }))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void check().finally(schedule), opts.everyMs());
    timer.unref();
  };
  schedule();
  return {
    check,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
