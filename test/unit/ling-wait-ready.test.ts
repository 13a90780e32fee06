import { describe, expect, it } from 'vitest';
import type { DriverIO } from '../../src/drivers/driver.ts';
import { waitReady } from '../../src/drivers/ling/wait-ready.ts';
import type { XenHost } from '../../src/drivers/ling/xen-host.ts';

/** A XenHost double (our own interface): consoles and the domains that exist, as the test sets them. */
function fakeHost(consoles: Record<string, string[]>, alive: Set<string>): XenHost {
  return {
    name: 'xen-a',
    imagesDir: '/i',
    info: async () => ({ freeMb: 1000, totalMb: 2000, images: new Set() }),
    list: async () => ({
      domains: [...alive].map((name, i) => ({
        host: 'xen-a',
        name,
        domid: i + 1,
        state: 'running',
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
const io = (lines: string[] = []): DriverIO => ({
  log: (l) => lines.push(l),
  step: () => undefined,
  signal: new AbortController().signal,
  now: () => new Date(),
});

describe('waiting for domains to print their ready line', () => {
  it('resolves once every console shows it, saying when', async () => {
    const consoles: Record<string, string[]> = { a: ['booting'], b: [] };
    const host = fakeHost(consoles, new Set(['a', 'b']));
    setTimeout(() => consoles.a!.push('hello ready\r'), 30);
    setTimeout(() => consoles.b!.push('x hello ready y'), 60);
    const logged: string[] = [];
    await waitReady(
      [
        { host, name: 'a' },
        { host, name: 'b' },
      ],
      'hello ready',
      5,
      io(logged),
      10,
    );
    expect(logged.map((l) => l.replace(/[\d.]+ s$/, 'N s'))).toEqual(['a on xen-a is ready after N s', 'b on xen-a is ready after N s']);
  });

  it('fails at once when a domain is gone before it, with its console', async () => {
    const host = fakeHost({ a: ['hello: crashing', 'init: exit 1'] }, new Set());
    await expect(waitReady([{ host, name: 'a' }], 'hello ready', 5, io(), 10)).rejects.toThrow(
      'a stopped before printing its ready line "hello ready". a\'s console, last lines:\nhello: crashing\ninit: exit 1',
    );
  });

  it('fails past the limit, naming it and the console', async () => {
    const host = fakeHost({ a: ['waiting for the database'] }, new Set(['a']));
    await expect(waitReady([{ host, name: 'a' }], 'hello ready', 0.05, io(), 10)).rejects.toThrow(
      /^a did not print the ready line "hello ready" within 0\.05 s \(apps\[\]\.ling\.readyTimeoutSeconds\)\. a's console, last lines:\nwaiting for the database$/,
    );
  });

  it('stops when the job is cancelled', async () => {
    const host = fakeHost({ a: [] }, new Set(['a']));
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(new Error('cancelled by rita')), 30);
    await expect(waitReady([{ host, name: 'a' }], 'hello ready', 5, { ...io(), signal: cancel.signal }, 10)).rejects.toThrow(
      'cancelled by rita',
    );
  });
});
