/** Discord's epoch (2015-01-01T00:00:00Z) in ms, used to mint and decode snowflakes. */
export const DISCORD_EPOCH = 1_420_070_400_000;

/**
 * A controllable clock: `now()` is the base clock (real `Date.now` unless injected) plus an
 * offset that `advance(ms)` grows. Every deadline in the simulator (3 s interaction window,
 * 15 min webhook tokens, rate-limit windows, timestamps, snowflakes) reads this clock.
 */
export interface SimClock {
  now(): number;
  advance(ms: number): void;
}

/** Creates a clock over `base` (default `Date.now`). */
export function createClock(base: () => number = Date.now): SimClock {
  let offset = 0;
  return {
    now: () => base() + offset,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`advanceClock: bad ms ${ms}`);
      offset += ms;
    },
  };
}

/** Mints unique snowflakes whose timestamp part comes from the simulator clock. */
export function createSnowflakes(clock: SimClock): () => string {
  let increment = 0n;
  let last = 0n;
  return () => {
    let ms = BigInt(Math.max(0, Math.floor(clock.now()) - DISCORD_EPOCH));
    if (ms < last) ms = last; // never go backwards, ids stay sortable
    last = ms;
    increment = (increment + 1n) & 0xfffn;
    if (increment === 0n) last = ms = ms + 1n; // 4096 ids in one ms: borrow the next ms
    return ((ms << 22n) | (1n << 17n) | (1n << 12n) | increment).toString();
  };
}

/** ISO timestamp of a clock reading, as Discord formats message timestamps. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}
