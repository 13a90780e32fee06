import type { DriverIO } from './driver.ts';

/**
 * Runs `run` with an io whose signal also aborts after `seconds`, so whatever it started stops
 * the way a cancel stops it (and undoes the same things). When the limit, and not the job's
 * own cancel, stopped it, the error is `limitError()` (a UserError that names the limit).
 */
export async function withTimeLimit<T>(
  io: DriverIO,
  seconds: number,
  limitError: () => Error,
  run: (io: DriverIO) => Promise<T>,
): Promise<T> {
  const limit = new AbortController();
  const timer = setTimeout(() => limit.abort(new Error(`time limit of ${seconds} s reached`)), seconds * 1000);
  try {
    return await run({ ...io, signal: AbortSignal.any([io.signal, limit.signal]) });
  } catch (err) {
    if (limit.signal.aborted && !io.signal.aborted) throw limitError();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
