import type { Worker } from 'bullmq';

/**
 * Closes a BullMQ worker once its running jobs are done. BullMQ's close waits for them, then
 * quits its connections; with Redis gone that quit never ends, so once `idle` says no job runs,
 * the close gets `graceMs` more and is left behind (the process is stopping; the next start
 * takes over what BullMQ had not written).
 */
export async function closeWorker(worker: Pick<Worker, 'close'>, idle: () => boolean, graceMs = 2000): Promise<void> {
  let stop = false;
  let timer: NodeJS.Timeout | undefined;
  const leftBehind = new Promise<void>((resolve) => {
    const look = () => {
      if (stop) return;
      timer = idle() ? setTimeout(resolve, graceMs) : setTimeout(look, 100);
    };
    look();
  });
  try {
    await Promise.race([worker.close(), leftBehind]);
  } finally {
    stop = true;
    clearTimeout(timer);
  }
}
