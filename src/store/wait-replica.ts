import { type Redis, ReplyError } from 'ioredis';
import type { Logger } from '../observability/logger.ts';
import type { MasterCheck } from './sentinel-master.ts';

/** Longest an enqueue waits for a replica to have its writes (`WAIT 1 <ms>`). @defaultValue 500 */
export const REPLICA_WAIT_MS = 500;
/** How long the server's count of connected replicas is trusted before INFO is asked again. @defaultValue 2000 */
export const REPLICA_COUNT_CACHE_MS = 2000;

/**
 * What became of the writes: a replica has them; there is no replica to wait for; a replica
 * exists but did not answer in time (the writes stand on the master alone); the server has no
 * replica and the sentinels name another master (it was demoted, or is about to be: its writes
 * will be discarded); the connection failed while asking (the master may be gone); or the server
 * refused to say (WAIT or INFO not allowed, e.g. behind a proxy).
 */
export type ReplicaAck = 'replicated' | 'no-replica' | 'not-replicated' | 'stale-master' | 'unreachable' | 'unknown';

/** The acks after which a write may be lost in a failover: a command is not acknowledged on them. */
export const UNSAFE_ACKS: ReadonlySet<ReplicaAck> = new Set(['not-replicated', 'stale-master', 'unreachable']);

/**
 * Waits until the writes this client sent so far reached a replica, when the server has one, for
 * at most `maxMs` (or the configured timeout, whichever is shorter). Never throws.
 */
export type ReplicaWait = (client: Redis, what: string, maxMs?: number) => Promise<ReplicaAck>;

export interface ReplicaWaitOptions {
  /** @defaultValue REPLICA_WAIT_MS (500) */
  timeoutMs?: number;
  /** @defaultValue REPLICA_COUNT_CACHE_MS (2000) */
  cacheMs?: number;
  /** Where a write that did not reach a replica is reported (it still stands). */
  log?: Logger;
  /** @defaultValue Date.now */
  now?: () => number;
  /** With Sentinel: asked when the server has no replica, whether it is still the master (see sentinel-master.ts). @defaultValue none */
  masterCheck?: MasterCheck;
}

/**
 * Redis replication is asynchronous: a write the master acknowledged is lost if the master dies
 * before a replica copied it and a replica is promoted. So a command is acknowledged to its user
 * only after `WAIT 1 <ms>` on the connection that wrote it (WAIT covers every earlier write of
 * that connection, and the replication stream is ordered, so also everything written before on
 * other connections). WAIT is sent only when `INFO replication` says replicas are connected
 * (cached for `cacheMs`): a lone server answers at once. Never throws: the caller decides what
 * an answer in UNSAFE_ACKS means (the enqueue refuses the command: nothing was queued).
 */
export function createReplicaWait(opts: ReplicaWaitOptions = {}): ReplicaWait {
  const timeoutMs = opts.timeoutMs ?? REPLICA_WAIT_MS;
  const cacheMs = opts.cacheMs ?? REPLICA_COUNT_CACHE_MS;
  const now = opts.now ?? Date.now;
  let known: { replicas: number; until: number } | undefined;
  const replicas = async (client: Redis): Promise<number> => {
    if (known && now() < known.until) return known.replicas;
    const info = await client.info('replication');
    const count = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0);
    // No replica is not remembered under Sentinel: one comes back (or the server is demoted) any moment.
    known = count === 0 && opts.masterCheck ? undefined : { replicas: count, until: now() + cacheMs };
    return count;
  };
  return async (client, what, maxMs = timeoutMs) => {
    const waitMs = Math.max(1, Math.min(timeoutMs, Math.floor(maxMs)));
    try {
      if ((await replicas(client)) === 0) {
        if (!opts.masterCheck || (await opts.masterCheck(client))) return 'no-replica';
        opts.log?.warn('the Redis server has no replica and the sentinels name another master; a write there would be lost', { what });
        return 'stale-master';
      }
      const acked = await client.wait(1, waitMs);
      if (acked >= 1) return 'replicated';
      // The replica went away, perhaps: ask again next time instead of waiting on every command.
      known = undefined;
      opts.log?.warn('no replica confirmed a write in time; it stands on the master alone and a failover now could lose it', {
        what,
        waitedMs: waitMs,
      });
      return 'not-replicated';
    } catch (err) {
      known = undefined;
      opts.log?.warn('could not learn whether a write reached a replica; it stands', { what, err });
      return err instanceof ReplyError ? 'unknown' : 'unreachable';
    }
  };
}
