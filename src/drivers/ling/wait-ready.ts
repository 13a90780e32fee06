import { UserError } from '../../core/user-error.ts';
import type { DriverIO } from '../driver.ts';
import { consoleLastWords } from './last-words.ts';
import type { XenHost } from './xen-host.ts';

/** How often the consoles are read while domains boot; every read is a process in dom0. @defaultValue 1000 */
export const READY_POLL_MS = 1000;
/** Waits `ms`, or less when `signal` aborts first (it never throws). */
export const sleepUnlessAborted = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Waits until every new domain's console shows `readyLine`. A domain that is gone before it
 * (its app exited: voxoz's domains are destroyed on exit or crash) fails at once; past
 * `timeoutSeconds` the deploy fails. Either way the error carries the console's last lines.
 */
export async function waitReady(
  domains: ReadonlyArray<{ host: XenHost; name: string }>,
  readyLine: string,
  timeoutSeconds: number,
  io: DriverIO,
  pollMs = READY_POLL_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const pending = new Map(domains.map((d) => [d.name, d]));
  const started = Date.now();
  const tailOf = (d: { host: XenHost; name: string }) => consoleLastWords(d.host, d.name);
  for (let round = 0; pending.size > 0; round++) {
    if (io.signal.aborted) throw io.signal.reason;
    for (const d of [...pending.values()]) {
      const lines = await d.host.consoleTail(d.name, 200, io.signal);
      if (lines.some((l) => l.includes(readyLine))) {
        pending.delete(d.name);
        io.log(`${d.name} on ${d.host.name} is ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    }
    if (pending.size === 0) return;
    // Every few rounds: is each still there?
    if (round % 3 === 2) {
      const byHost = new Map<XenHost, string[]>();
      for (const d of pending.values()) byHost.set(d.host, [...(byHost.get(d.host) ?? []), d.name]);
      for (const [host, names] of byHost) {
        const alive = new Set((await host.list(io.signal)).domains.map((x) => x.name));
        const gone = names.find((n) => !alive.has(n));
        if (gone)
          throw new UserError(
            'instance_exited',
            `${gone} stopped before printing its ready line "${readyLine}". ${gone}'s console, last lines:\n${await tailOf(pending.get(gone)!)}`,
          );
      }
    }
    if (Date.now() > deadline) {
      const first = [...pending.values()][0]!;
      throw new UserError(
        'not_ready',
        `${[...pending.keys()].join(', ')} did not print the ready line "${readyLine}" within ${timeoutSeconds} s (apps[].ling.readyTimeoutSeconds). ${first.name}'s console, last lines:\n${await tailOf(first)}`,
      );
    }
    await sleepUnlessAborted(pollMs, io.signal);
  }
}
