import { describe, expect, it } from 'vitest';
import { watchDomains } from '../../src/drivers/ling/watch-domains.ts';
import { fakeXenHost, listIO } from '../support/fake-xen-host.ts';

/** The watch after a LING release's ready line (`health.watchSeconds`), against a XenHost double. */
describe('watching ready domains before the switch', () => {
  it('returns after the watch when every domain kept running, saying so', async () => {
    const host = fakeXenHost({}, new Set(['a', 'b']));
    const logged: string[] = [];
    const t0 = Date.now();
    await watchDomains(
      0.2,
      4,
      [
        { host, name: 'a' },
        { host, name: 'b' },
      ],
      listIO(logged),
      20,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(logged).toEqual([
      'v4 is ready; watching its 2 domain(s) for 0.2s: each must keep running before the switch',
      "v4's domains kept running for 0.2s",
    ]);
  });

  it('fails as soon as a domain is gone, with when and its console', async () => {
    const alive = new Set(['a', 'b']);
    const host = fakeXenHost({ b: ['hello ready', 'hello: out of widgets'] }, alive);
    setTimeout(() => alive.delete('b'), 60);
    const t0 = Date.now();
    const err = await watchDomains(
      5,
      4,
      [
        { host, name: 'a' },
        { host, name: 'b' },
      ],
      listIO(),
      20,
    ).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err).toMatchObject({ code: 'instance_exited' });
    expect(String((err as Error).message)).toMatch(
      /^b on xen-a stopped \(its app exited or crashed\) after printing its ready line, 0\.\ds into its 5s watch \(health\.watchSeconds\)\. b's console, last lines:\nhello ready\nhello: out of widgets$/,
    );
  });

  it('fails when a domain is listed crashed or shut down rather than running', async () => {
    const host = fakeXenHost({ a: ['init exited'] }, new Set(['a']), { a: 'crashed' });
    await expect(watchDomains(5, 2, [{ host, name: 'a' }], listIO(), 20)).rejects.toThrow(
      /^a on xen-a is listed as crashed after printing its ready line, 0\.0s into its 5s watch/,
    );
  });

  it('does nothing without a watch (0 s)', async () => {
    const host = fakeXenHost({}, new Set());
    const logged: string[] = [];
    await watchDomains(0, 2, [{ host, name: 'a' }], listIO(logged), 20);
    expect(logged).toEqual([]);
  });

  it('stops when the job is cancelled', async () => {
    const host = fakeXenHost({}, new Set(['a']));
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(new Error('cancelled by rita')), 50);
    const t0 = Date.now();
    await expect(watchDomains(60, 2, [{ host, name: 'a' }], { ...listIO(), signal: cancel.signal }, 1000)).rejects.toThrow(
      'cancelled by rita',
    );
    expect(Date.now() - t0).toBeLessThan(500);
  });
});
