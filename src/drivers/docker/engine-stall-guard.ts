import type Docker from 'dockerode';

/** How often an engine with calls in flight is asked whether it answers. @defaultValue 10000 */
export const STALL_CHECK_EVERY_MS = 10_000;
/** How long that question may go unanswered before the engine counts as hung. @defaultValue 20000 */
export const STALL_ANSWER_MS = 20_000;

/**
 * An engine that accepted the connection but answers nothing (its daemon frozen, or the way to
 * it black-holed). Shaped as a connection fault (`code`, `syscall`, `address`), so a job that
 * meets it is retried and its thread names it as one.
 */
export class EngineStalled extends Error {
  readonly code = 'ETIMEDOUT';
  readonly syscall = 'Docker engine';
  constructor(
    readonly address: string,
    waitedMs: number,
  ) {
    super(`the Docker engine at ${address} has not answered for ${waitedMs / 1000} s: its daemon hangs, or the way to it does`);
  }
}

export interface StallGuardOptions {
  /** The engine as named in messages (no credentials). */
  name: string;
  /** @defaultValue STALL_CHECK_EVERY_MS */
  checkEveryMs?: number;
  /** @defaultValue STALL_ANSWER_MS */
  answerMs?: number;
}

type Dial = (options: DialOptions, callback: (err: unknown, result: unknown) => void) => void;
interface DialOptions {
  path: string;
  method: string;
  statusCodes: Record<number, boolean | string>;
  abortSignal?: AbortSignal;
  [more: string]: unknown;
}
type Stoppable = { destroy(err?: Error): void; once(event: 'close', listener: () => void): unknown };
const isStream = (x: unknown): x is Stoppable =>
  typeof (x as Stoppable | null)?.destroy === 'function' && typeof (x as Stoppable).once === 'function';

/**
 * Keeps a hung engine from hanging its callers. Every Engine API call (`modem.dial`: each
 * dockerode call goes through it) is tracked while it is in flight, and a stream it returned
 * (a build's output, an event stream, an image save) until the stream closes. While anything
 * is tracked, the engine is pinged every `checkEveryMs`; a ping with no answer within
 * `answerMs` (an answer that is an error, e.g. refused, is an answer: those calls fail by
 * themselves) ends every tracked call and stream with EngineStalled. Until a ping answers again
 * (asked back to back meanwhile: a daemon that wakes answers the one waiting), new calls fail
 * with it at once. A long call that the engine is busy with (a silent build step, a stop with a
 * grace period) is left alone: only the engine's silence counts. Returns `docker`, guarded.
 */
export function guardStalls(docker: Docker, opts: StallGuardOptions): Docker {
  const checkEveryMs = opts.checkEveryMs ?? STALL_CHECK_EVERY_MS;
  const answerMs = opts.answerMs ?? STALL_ANSWER_MS;
  const modem = docker.modem as unknown as { dial: Dial };
  const dial: Dial = modem.dial.bind(modem);
  const tracked = new Set<(err: Error) => void>();
  let stalled: EngineStalled | undefined;
  let timer: NodeJS.Timeout | undefined;
  let asking = false;

  /** Pings with a time limit: true when the engine answered anything. */
  const answers = () =>
    new Promise<boolean>((resolve) => {
      const ac = new AbortController();
      const limit = setTimeout(() => ac.abort(), answerMs);
      dial({ path: '/_ping', method: 'GET', statusCodes: { 200: true, 500: 'server error' }, abortSignal: ac.signal }, () => {
        clearTimeout(limit);
        resolve(!ac.signal.aborted);
      });
    });
  const check = async () => {
    timer = undefined;
    if (asking) return;
    asking = true;
    const answered = await answers();
    asking = false;
    if (answered) stalled = undefined;
    else if (!stalled) {
      stalled = new EngineStalled(opts.name, answerMs);
      for (const end of [...tracked]) end(stalled);
    }
    schedule(stalled ? 0 : checkEveryMs);
  };
  const schedule = (ms: number) => {
    if (timer || asking || (tracked.size === 0 && !stalled)) return;
    timer = setTimeout(() => void check(), ms);
    timer.unref();
  };

  modem.dial = (options, callback) => {
    if (stalled) return callback(stalled, null);
    const ac = new AbortController();
    let ended: Error | undefined;
    const end = (err: Error) => {
      ended = err;
      ac.abort(err);
    };
    tracked.add(end);
    schedule(checkEveryMs);
    const abortSignal = options.abortSignal ? AbortSignal.any([options.abortSignal, ac.signal]) : ac.signal;
    dial({ ...options, abortSignal }, (err, result) => {
      tracked.delete(end);
      if (err || ended || !isStream(result)) return callback(ended ?? err, ended ? null : result);
      // A stream goes on after the call returned: it is tracked until it closes.
      const stop = (e: Error) => result.destroy(e);
      tracked.add(stop);
      result.once('close', () => tracked.delete(stop));
      callback(null, result);
    });
  };
  return docker;
}
