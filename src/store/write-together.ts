import type { Redis } from 'ioredis';

/**
 * Holds back `client`'s writes to its socket until the promise callbacks now running are done,
 * so commands sent meanwhile leave in one write (one system call, one read on the server): a
 * worker's last write of a job and BullMQ's completion that follows it. Order is unchanged.
 * A client without a socket of its own (a cluster) is left alone.
 */
export function writeTogether(client: Redis): void {
  const socket = (client as { stream?: { cork?: () => void; uncork?: () => void } }).stream;
  if (typeof socket?.cork !== 'function' || typeof socket.uncork !== 'function') return;
  socket.cork();
  // process.nextTick runs once the current microtasks (and those they queue) have run.
  process.nextTick(() => socket.uncork?.());
}
