import { readFileSync, writeFileSync } from 'node:fs';

/** The kernel setting (per network namespace, Linux ≥ 5.14) that moves a closing listener's queued connections to its SO_REUSEPORT peers. */
export const MIGRATE_SETTING = '/proc/sys/net/ipv4/tcp_migrate_req';

export type Handover = 'on' | 'switched-on' | { off: string };

/**
 * Every change through Caddy's admin API loads a whole new config: Caddy 2.6 binds a new
 * listening socket beside the old one (SO_REUSEPORT) and closes the old one. Connections the
 * kernel had queued on the old socket are reset when it closes unless `tcp_migrate_req` is 1,
 * which hands them to the new socket instead. Measured here at 200 requests/s with a reload
 * every 100 ms: 1–6 resets in 4,800 requests with it off, none in 19,000 with it on
 * (docs/decisions/2026-12-03-listener-handover.md). Switches it on when it is off (root only);
 * says why not otherwise.
 */
export function ensureListenerHandover(setting = MIGRATE_SETTING): Handover {
  let now: string;
  try {
    now = readFileSync(setting, 'utf8').trim();
  } catch {
    return { off: `this kernel has no ${setting} (Linux 5.14 or newer has it)` };
  }
  if (now === '1') return 'on';
  try {
    writeFileSync(setting, '1\n');
    return 'switched-on';
  } catch (err) {
    return {
      off: `could not set ${setting} to 1 (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run as root, or set it yourself`,
    };
  }
}
