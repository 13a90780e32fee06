import { describe, expect, it } from 'vitest';
import { domainState, parseXlInfo, parseXlList, parseXlListLong } from '../../src/drivers/ling/parse-xl.ts';
import { domainName, fenceOfCmdline, fenceParam, parseDomainName } from '../../src/drivers/ling/domain-name.ts';
import { checkTokens } from '../../src/drivers/ling/check-token.ts';

// Real Xen 4.17 output (shared/xenlab/NOTES.md, captured on the lab): tabs and spaces as xl writes them.
const XL_LIST = `Name                                        ID   Mem VCPUs\tState\tTime(s)
Domain-0                                     0  1024     2     r-----     135.0
hello-production-v3-0                        1   128     1     -b----       9.1
hello-production-v3-1                        2   128     1     --p---       0.0
`;
const XL_LIST_L = [
  { domid: 0, config: { c_info: { type: 'pv', name: 'Domain-0' }, b_info: { max_memkb: 1048576 } } },
  {
    domid: 1,
    config: {
      c_info: { type: 'pv', name: 'hello-production-v3-0', domid: 4294967295, uuid: '3b3f1773', run_hotplug_scripts: 'True' },
      b_info: {
        max_vcpus: 1,
        max_memkb: 131072,
        claim_mode: 'True',
        kernel: '/var/lib/voxoz-xl/images/aa',
        cmdline: 'console=hvc0 loglevel=4 voxoz.fence=7',
        ramdisk: '/var/lib/voxoz-xl/images/bb',
        arch_x86: { msr_relaxed: 'False' },
      },
      on_crash: 'destroy',
    },
  },
];

describe('xl output as Xen 4.17 writes it', () => {
  it('xl list: state, memory and CPU time per domain', () => {
    expect(parseXlList(XL_LIST)).toEqual([
      { name: 'Domain-0', domid: 0, memoryMb: 1024, vcpus: 2, flags: 'r-----', cpuSeconds: 135 },
      { name: 'hello-production-v3-0', domid: 1, memoryMb: 128, vcpus: 1, flags: '-b----', cpuSeconds: 9.1 },
      { name: 'hello-production-v3-1', domid: 2, memoryMb: 128, vcpus: 1, flags: '--p---', cpuSeconds: 0 },
    ]);
  });

  it('xl list -l: the top-level domid (c_info.domid is INVALID_DOMID), Domain-0 left out, booleans are strings', () => {
    expect(parseXlListLong(XL_LIST_L)).toEqual([
      {
        domid: 1,
        name: 'hello-production-v3-0',
        cmdline: 'console=hvc0 loglevel=4 voxoz.fence=7',
        kernel: '/var/lib/voxoz-xl/images/aa',
        ramdisk: '/var/lib/voxoz-xl/images/bb',
        maxMemKb: 131072,
      },
    ]);
    expect(parseXlListLong({})).toEqual([]);
    expect(parseXlListLong([])).toEqual([]);
  });

  it('xl info: key : value', () => {
    expect(
      parseXlInfo(
        'host                   : xenlab\ntotal_memory           : 3071\nfree_memory            : 2014\nxen_caps               : xen-3.0-x86_64 hvm-3.0-x86_32 \n',
      ),
    ).toEqual({
      host: 'xenlab',
      total_memory: '3071',
      free_memory: '2014',
      xen_caps: 'xen-3.0-x86_64 hvm-3.0-x86_32',
    });
  });

  it.each([
    ['r-----', 'running'],
    ['-b----', 'running'],
    ['--p---', 'paused'],
    ['---s--', 'shutdown'],
    ['----c-', 'crashed'],
    ['-----d', 'dying'],
  ])('flags %s mean %s', (flags, state) => {
    expect(domainState(flags)).toBe(state);
  });
});

describe('domain names and the fence on the command line', () => {
  it('names instances <app>-<env>-v<N>-<i> and reads them back, only for that app environment', () => {
    expect(domainName('hello', 'production', 12, 0)).toBe('hello-production-v12-0');
    expect(parseDomainName('hello', 'production', 'hello-production-v12-3')).toEqual({ release: 12, index: 3 });
    expect(parseDomainName('hello', 'prod', 'hello-production-v12-3')).toBeUndefined();
    expect(parseDomainName('hello', 'production', 'hello-production-v12-3x')).toBeUndefined();
  });

  it('refuses a name longer than Xen takes', () => {
    expect(() => domainName('a'.repeat(40), 'b'.repeat(30), 1, 0)).toThrow(/longer than Xen's 63 characters/);
  });

  it('the fence token rides on the command line', () => {
    expect(fenceOfCmdline(`console=hvc0 ${fenceParam(42)}`)).toBe(42);
    expect(fenceOfCmdline('console=hvc0 xvoxoz.fence=42')).toBeUndefined();
  });

  it.each([[['list']], [['put-image', 'a'.repeat(64)]], [['console-tail', 'hello-production-v1-0', '200']]])('sends %j', (command) => {
    expect(() => checkTokens(command)).not.toThrow();
  });

  it.each([
    [['create', 'hello;reboot']],
    [['create', '../etc/passwd']],
    [['create', 'Hello']],
    [['create', 'a b']],
    [['create', '$(id)']],
    [['create', '-rf']],
    [[]],
    [['a', 'b', 'c', 'd']],
  ])('never sends %j', (command) => {
    expect(() => checkTokens(command)).toThrow();
  });
});
