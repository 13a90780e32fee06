import { UserError } from '../../core/user-error.ts';
import type { DriverIO } from '../driver.ts';
import { consoleLastWords } from './last-words.ts';
import { READY_POLL_MS, sleepUnlessAborted } from './wait-ready.ts';
import type { XenHost } from './xen-host.ts';

/**
 * The watch after the ready line (`health.watchSeconds`, as on Docker and Swarm): every new
 * domain must still be running, on its host's `xl list`, for that long before anything is
 * switched to it. voxoz's domains are destroyed when their app exits or crashes, so a domain
 * that is gone (or listed crashed, dying or shut down) stopped: the deploy fails with its
 * console's last lines. Cancelling (`io.signal`) stops it at the next look. Returns at once
 * when `watchSeconds` is 0.
 */
export async function watchDomains(
  watchSeconds: number,
  release: number,
  domains: ReadonlyArray<{ host: XenHost; name: string }>,
  io: DriverIO,
  pollMs = READY_POLL_MS,
): Promise<void> {
  if (watchSeconds === 0 || domains.length === 0) return;
  const started = io.now().getTime();
  const end = started + watchSeconds * 1000;
  const byHost = new Map<XenHost, string[]>();
  for (const d of domains) byHost.set(d.host, [...(byHost.get(d.host) ?? []), d.name]);
  io.log(`v${release} is ready; watching its ${domains.length} domain(s) for ${watchSeconds}s: each must keep running before the switch`);
  for (;;) {
    if (io.signal.aborted) throw io.signal.reason;
    for (const [host, names] of byHost) {
      const listed = new Map((await host.list(io.signal)).domains.map((d) => [d.name, d.state]));
      const stopped = names.find((n) => listed.get(n) !== 'running');
      if (stopped === undefined) continue;
      const state = listed.get(stopped);
      const tail = await consoleLastWords(host, stopped);
      const into = `${((io.now().getTime() - started) / 1000).toFixed(1)}s into its ${watchSeconds}s watch (health.watchSeconds)`;
      throw new UserError(
        'instance_exited',
        `${stopped} on ${host.name} ${state ? `is listed as ${state}` : 'stopped (its app exited or crashed)'} after printing its ready line, ${into}. ${stopped}'s console, last lines:\n${tail}`,
      );
    }
    if (io.now().getTime() >= end) break;
    await sleepUnlessAborted(Math.min(pollMs, Math.max(0, end - io.now().getTime())), io.signal);
  }
  io.log(`v${release}'s domains kept running for ${watchSeconds}s`);
}
