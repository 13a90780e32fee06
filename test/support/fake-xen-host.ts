import type { XenHost } from '../../src/drivers/ling/xen-host.ts';
import type { DriverIO } from '../../src/drivers/driver.ts';

/**
 * A XenHost double (our own interface) for unit tests: the consoles and the domains that exist
 * (with their state, `running` unless `states` says otherwise), as the test sets them.
 */
export function fakeXenHost(consoles: Record<string, string[]>, alive: Set<string>, states: Record<string, string> = {}): XenHost {
  return {
    name: 'xen-a',
    imagesDir: '/i',
    info: async () => ({ freeMb: 1000, totalMb: 2000, images: new Set() }),
    list: async () => ({
      domains: [...alive].map((name, i) => ({
        host: 'xen-a',
        name,
        domid: i + 1,
        state: states[name] ?? 'running',
        flags: '-b----',
        memoryMb: 128,
        vcpus: 1,
        cpuSeconds: 1,
        cmdline: '',
      })),
      configs: [...alive],
    }),
    putImage: async () => undefined,
    putConfig: async () => undefined,
    create: async () => undefined,
    destroy: async () => undefined,
    consoleTail: async (name, lines) => (consoles[name] ?? []).slice(-lines),
    close: async () => undefined,
  };
}

/** A DriverIO that keeps the job log in `lines`. */
export const listIO = (lines: string[] = []): DriverIO => ({
  log: (l) => lines.push(l),
  step: () => undefined,
  signal: new AbortController().signal,
  now: () => new Date(),
});
