import { describe, expect, it } from 'vitest';
import { placeDomains, type HostSnapshot } from '../../src/drivers/ling/place-domains.ts';
import type { XenHost } from '../../src/drivers/ling/xen-host.ts';

const host = (name: string, memoryMb?: number) => ({ name, imagesDir: '/i', ...(memoryMb ? { memoryMb } : {}) }) as XenHost;
const snap = (h: XenHost, freeMb: number, used: number[] = []): HostSnapshot => ({
  host: h,
  info: { freeMb, totalMb: 4096, images: new Set() },
  domains: used.map((m, i) => ({
    host: h.name,
    name: `d${i}`,
    domid: i + 1,
    state: 'running',
    flags: '-b----',
    memoryMb: m,
    vcpus: 1,
    cpuSeconds: 0,
    cmdline: '',
  })),
});

describe('placing domains on Xen hosts', () => {
  it('spreads instances over hosts, most room first', () => {
    const [a, b] = [host('xen-a'), host('xen-b')];
    expect(placeDomains([snap(a, 1000), snap(b, 900)], 3, 128, 'hello').map((h) => h.name)).toEqual(['xen-a', 'xen-b', 'xen-a']);
  });

  it('caps a host by its budget minus what domains use there', () => {
    const [a, b] = [host('xen-a', 300), host('xen-b')];
    // xen-a: 2000 free, but a budget of 300 with 256 in use leaves 44.
    expect(placeDomains([snap(a, 2000, [128, 128]), snap(b, 200)], 1, 128, 'hello').map((h) => h.name)).toEqual(['xen-b']);
  });

  it("refuses with every host's room when one does not fit", () => {
    expect(() => placeDomains([snap(host('xen-a'), 100), snap(host('xen-b'), 50)], 1, 128, 'hello (production)')).toThrow(
      'no Xen host has room for 1 × 128 MiB domains of hello (production) (xen-a: 100 MiB free, xen-b: 50 MiB free); nothing was started',
    );
  });
});
