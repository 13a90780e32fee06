import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Runs `change` alone among the changes of the front door named `door`: a front door whose
 * config voxoz replaces whole (read, change, load) loses a change made by another writer
 * between its read and its load, so every such change of one door takes this lock.
 */
export type DoorLock = <T>(door: string, change: () => Promise<T>) => Promise<T>;

/** One process' changes of each door, one after the other. */
export function inProcessDoorLock(): DoorLock {
  const tails = new Map<string, Promise<unknown>>();
  return (door, change) => {
    const before = tails.get(door) ?? Promise.resolve();
    const run = before.then(change, change);
    const tail = run.catch(() => undefined);
    tails.set(door, tail);
    void tail.then(() => {
      if (tails.get(door) === tail) tails.delete(door);
    });
    return run;
  };
}

/** Shared by the front doors of one process that were given no lock (tests, a driver built alone). */
export const processDoorLock: DoorLock = inProcessDoorLock();

export interface RedisDoorLockOptions {
  /** The lease: a holder that died frees the door after this long. Renewed every third of it while held. @defaultValue 30 s */
  leaseMs?: number;
  /** How long a change waits for the door before it fails. @defaultValue 60 s */
  waitMs?: number;
}

const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The door lock of every voxoz process that shares `redis` (several workers on other machines
 * reaching one engine): a lease in Redis at `keyOf(door)` (SET NX PX, a token of its own,
 * renewed while held, deleted only by its holder), taken after this process' own turn.
 */
export function redisDoorLock(redis: Redis, keyOf: (door: string) => string, opts: RedisDoorLockOptions = {}): DoorLock {
  const { leaseMs = 30_000, waitMs = 60_000 } = opts;
  const local = inProcessDoorLock();
  return (door, change) =>
    local(door, async () => {
      const key = keyOf(door);
      const token = randomBytes(12).toString('hex');
      const deadline = Date.now() + waitMs;
      while ((await redis.set(key, token, 'PX', leaseMs, 'NX')) !== 'OK') {
        if (Date.now() > deadline)
          throw new Error(
            `${/^[a-z]+-ports@/.test(door) ? `replica ports on ${door} are being picked` : `the front door ${door} is being changed`} by another voxoz process and was not free within ${Math.round(waitMs / 1000)} s (its lock: Redis key ${key}); nothing was changed, try again`,
          );
        await sleep(20 + Math.floor(Math.random() * 40));
      }
      const renew = setInterval(
        () => {
          void redis.eval(RENEW, 1, key, token, String(leaseMs)).catch(() => undefined);
        },
        Math.max(1, Math.floor(leaseMs / 3)),
      );
      try {
        return await change();
      } finally {
        clearInterval(renew);
        await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
      }
    });
}
