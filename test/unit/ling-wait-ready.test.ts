import { describe, expect, it } from 'vitest';
import { waitReady } from '../../src/drivers/ling/wait-ready.ts';
import { fakeXenHost, listIO } from '../support/fake-xen-host.ts';

describe('waiting for domains to print their ready line', () => {
  it('resolves once every console shows it, saying when', async () => {
    const consoles: Record<string, string[]> = { a: ['booting'], b: [] };
    const host = fakeXenHost(consoles, new Set(['a', 'b']));
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
      listIO(logged),
      10,
    );
    expect(logged.map((l) => l.replace(/[\d.]+ s$/, 'N s'))).toEqual(['a on xen-a is ready after N s', 'b on xen-a is ready after N s']);
  });

  it('fails at once when a domain is gone before it, with its console', async () => {
    const host = fakeXenHost({ a: ['hello: crashing', 'init: exit 1'] }, new Set());
    await expect(waitReady([{ host, name: 'a' }], 'hello ready', 5, listIO(), 10)).rejects.toThrow(
      'a stopped before printing its ready line "hello ready". a\'s console, last lines:\nhello: crashing\ninit: exit 1',
    );
  });

  it('fails past the limit, naming it and the console', async () => {
    const host = fakeXenHost({ a: ['waiting for the database'] }, new Set(['a']));
    await expect(waitReady([{ host, name: 'a' }], 'hello ready', 0.05, listIO(), 10)).rejects.toThrow(
      /^a did not print the ready line "hello ready" within 0\.05 s \(apps\[\]\.ling\.readyTimeoutSeconds\)\. a's console, last lines:\nwaiting for the database$/,
    );
  });

  it('stops when the job is cancelled', async () => {
    const host = fakeXenHost({ a: [] }, new Set(['a']));
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(new Error('cancelled by rita')), 30);
    await expect(waitReady([{ host, name: 'a' }], 'hello ready', 5, { ...listIO(), signal: cancel.signal }, 10)).rejects.toThrow(
      'cancelled by rita',
    );
  });
});
