import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine } from '../driver.ts';
import { type FollowSource, linesAfter } from '../follow-lines.ts';
import type { XenHost } from './xen-host.ts';

/** How often a followed domain's console is read again. @defaultValue 2000 ms */
export const CONSOLE_POLL_MS = 2000;
/** Lines read at each poll; more new lines than this between two reads show as a gap. @defaultValue 200 */
export const CONSOLE_POLL_LINES = 200;

/**
 * A source of `logs --follow` for a LING domain: its console has no stream to follow through
 * `xl`, so its last lines are read every `everyMs` and the new ones pushed (linesAfter). The
 * first read pushes its last `tail` lines. A domain whose console can no longer be read (it was
 * destroyed) ends the source. The console log outlives its domain, so `gone` (the domain is no
 * longer listed) ends it too, after one last read. With `started`, a `started` line that says
 * so comes first (a domain found after the follow began).
 */
export function followConsole(
  host: Pick<XenHost, 'consoleTail'>,
  domain: string,
  replica: Omit<LogLine, 'stream' | 'text'>,
  tail: number,
  more: { everyMs?: number; started?: string; gone?: () => boolean } = {},
): FollowSource {
  const everyMs = more.everyMs ?? CONSOLE_POLL_MS;
  return async (push, stop) => {
    if (more.started) push({ ...replica, stream: 'started', text: more.started });
    const out = (text: string) => push({ ...replica, stream: 'stdout', text });
    let before: string[] | undefined;
    try {
      for (let last = false; !stop.aborted; ) {
        last = more.gone?.() === true;
        const now = await host.consoleTail(domain, before ? CONSOLE_POLL_LINES : Math.max(tail, CONSOLE_POLL_LINES), stop);
        if (!before) for (const line of now.slice(-tail)) out(line);
        else {
          const { lines, gap } = linesAfter(before, now);
          if (gap) out(`[voxoz] more than ${CONSOLE_POLL_LINES} lines came within ${everyMs / 1000} s; some before the next are not shown`);
          for (const line of lines) out(line);
        }
        before = now.slice(-CONSOLE_POLL_LINES);
        if (last) {
          push({ ...replica, stream: 'ended', text: 'the domain is gone (a deploy, scale, rollback or restart replaced it?)' });
          return;
        }
        await sleep(everyMs, undefined, { signal: stop }).catch(() => undefined);
      }
    } catch (err) {
      if (!stop.aborted)
        push({
          ...replica,
          stream: 'ended',
          text: `its console could not be read further (the domain was destroyed?): ${(err as Error).message}`,
        });
    }
  };
}
