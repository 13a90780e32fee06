import type { LogLine } from './driver.ts';

/**
 * One followed log (a replica's): pushes its lines as they come and resolves once it ends by
 * itself (the replica stopped) or `stop` aborts. It must not reject: a read that fails ends it
 * with an `ended` line that says why.
 */
export type FollowSource = (push: (line: LogLine) => void, stop: AbortSignal) => Promise<void>;

/** How long a source may take to end once the follow is over before it is left behind. @defaultValue 2000 */
const LET_GO_MS = 2000;

/** What a follow says of a replica it found after it began (a `started` line). */
export const STARTED_SINCE = 'a new replica (a deploy, scale, restart or rollback started it after the follow began); its lines follow';

/** How often a follow looks for replicas started since it began (`discover`). @defaultValue 2000 */
export const DISCOVER_MS = 2000;

/**
 * Sources for the replicas that started since the follow began and have no source yet (the
 * driver keeps what it already follows); each one's first line should be a `started` line.
 * A failed look is tried again at the next.
 */
export type Discover = () => Promise<FollowSource[]>;

/**
 * `logs --follow`: the lines of every source as they come, in the order they came, until every
 * source has ended (and `discover`, asked once more then, found no new one), `seconds` have
 * passed, or `signal` aborts (a Cancel, a stopping worker). With `discover`, replicas that start
 * meanwhile (a deploy's, restart's or scale's) are followed too, looked for every `everyMs`.
 * Then each source is stopped, and what it pushed before it ended is still yielded.
 */
export async function* mergeFollowed(
  sources: ReadonlyArray<FollowSource>,
  seconds: number,
  signal: AbortSignal,
  discover?: Discover,
  everyMs = DISCOVER_MS,
): AsyncGenerator<LogLine> {
  const stop = new AbortController();
  const over = () => stop.abort();
  if (signal.aborted) over();
  else signal.addEventListener('abort', over, { once: true });
  const timer = setTimeout(over, seconds * 1000);
  let queue: LogLine[] = [];
  let wake: (() => void) | undefined;
  const poke = () => {
    wake?.();
    wake = undefined;
  };
  stop.signal.addEventListener('abort', poke, { once: true });
  let running = 0;
  const start = (source: FollowSource) => {
    running += 1;
    void source((line) => {
      queue.push(line);
      poke();
    }, stop.signal).finally(() => {
      running -= 1;
      poke();
    });
  };
  for (const source of sources) start(source);
  /** Starts what `discover` found (not once the follow is over); true when it found any. */
  const look = async () => {
    const found = await discover!().catch(() => [] as FollowSource[]);
    if (stop.signal.aborted) return false;
    for (const source of found) start(source);
    return found.length > 0;
  };
  // One look at a time: two at once could both take the same new replica for unfollowed.
  let looking: Promise<boolean> | undefined;
  const lookOnce = () =>
    (looking ??= look().finally(() => {
      looking = undefined;
    }));
  const lookAgain = discover ? setInterval(() => void lookOnce(), everyMs).unref() : undefined;
  try {
    let letGo: number | undefined;
    for (;;) {
      const lines = queue;
      queue = [];
      yield* lines;
      if (running === 0 && !stop.signal.aborted && discover) {
        // Every source ended: the replicas that replace them may have started since the last look
        // (one in flight may have listed before they ran: a fresh look after it decides).
        await looking;
        if (running === 0 && queue.length === 0 && !(await lookOnce()) && running === 0 && queue.length === 0) return;
        continue;
      }
      if (running === 0) return;
      if (stop.signal.aborted) {
        letGo ??= Date.now() + LET_GO_MS;
        if (Date.now() >= letGo) return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (letGo !== undefined) setTimeout(poke, Math.max(0, letGo - Date.now())).unref();
      });
    }
  } finally {
    clearTimeout(timer);
    clearInterval(lookAgain);
    signal.removeEventListener('abort', over);
    over();
  }
}

/**
 * The lines of `now` (a console's last lines, read again) that were not in `before` (the last
 * read): `now` is taken to go on from some point of `before` (the longest end of `before` that
 * `now` starts with). When none of `before` is left in `now`, all of `now` is new and `gap` says
 * that lines may have come and gone between the reads. Identical lines written between two reads
 * that look like the ones before cannot be told apart: this is a reader of a console's tail,
 * not of a stream.
 */
export function linesAfter(before: ReadonlyArray<string>, now: ReadonlyArray<string>): { lines: string[]; gap: boolean } {
  if (before.length === 0) return { lines: [...now], gap: false };
  for (let from = 0; from < before.length; from++) {
    const kept = before.length - from;
    if (kept > now.length) continue;
    let same = true;
    for (let i = 0; i < kept && same; i++) same = before[from + i] === now[i];
    if (same) return { lines: now.slice(kept), gap: false };
  }
  return { lines: [...now], gap: true };
}
