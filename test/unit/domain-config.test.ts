import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/user-error.ts';
import { parseDomainConfig, renderDomainConfig } from '../../src/drivers/ling/domain-config.ts';
import type { DomainConfig } from '../../src/drivers/ling/ling-types.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ling/${name}`, import.meta.url), 'utf8');

const good: DomainConfig = {
  name: 'hello-prod-v3-1',
  kernel: '/var/lib/voxoz/kernels/vmlinux-6.1.0-57-amd64',
  ramdisk: '/var/lib/voxoz/images/2ab0f08f647ba23716a897bd34481f12f5f2aa704a19a49aa4beabee1a8b0ccd.img',
  extra: 'console=hvc0 loglevel=4',
  memory: 128,
};

describe('renderDomainConfig', () => {
  it('writes xl syntax that parseDomainConfig reads back', () => {
    const text = renderDomainConfig({ ...good, vif: ['bridge=xenbr0,mac=00:16:3e:00:00:01'] });
    expect(text).toBe(
      [
        'name = "hello-prod-v3-1"',
        'type = "pv"',
        'kernel = "/var/lib/voxoz/kernels/vmlinux-6.1.0-57-amd64"',
        'ramdisk = "/var/lib/voxoz/images/2ab0f08f647ba23716a897bd34481f12f5f2aa704a19a49aa4beabee1a8b0ccd.img"',
        'extra = "console=hvc0 loglevel=4"',
        'memory = 128',
        'vif = ["bridge=xenbr0,mac=00:16:3e:00:00:01"]',
        '',
      ].join('\n'),
    );
    expect(parseDomainConfig(text)).toEqual({ ok: true, config: { ...good, vif: ['bridge=xenbr0,mac=00:16:3e:00:00:01'] } });
  });

  it('leaves out ramdisk and vif when unset (a railing image is its own kernel)', () => {
    const text = renderDomainConfig({ name: 'hello', kernel: '/srv/images/hello.img', extra: '-home /hello', memory: 64 });
    expect(text).not.toMatch(/ramdisk|vif/);
  });

  it.each<[string, Partial<DomainConfig>, RegExp]>([
    ['an upper-case name', { name: 'Hello' }, /name "Hello"/],
    ['a name with a quote', { name: 'a"b' }, /name/],
    ['a name starting with -', { name: '-x' }, /name/],
    ['a relative kernel', { kernel: 'hello.img' }, /kernel "hello.img"/],
    ['a kernel path with ..', { kernel: '/var/lib/../../etc/shadow' }, /kernel/],
    ['a kernel path with a quote', { kernel: '/tmp/a"b' }, /kernel/],
    ['a ramdisk with a space', { ramdisk: '/tmp/a b' }, /ramdisk/],
    ['extra with a double quote', { extra: 'console=hvc0" kernel="/etc/x' }, /extra/],
    ['extra with a backslash', { extra: 'a\\b' }, /extra/],
    ['extra with a newline', { extra: 'a\nkernel = "/x"' }, /extra/],
    ['extra with non-ASCII', { extra: 'café' }, /extra/],
    ['fractional memory', { memory: 12.5 }, /memory 12.5/],
    ['zero memory', { memory: 0 }, /memory 0/],
    ['a vif with a quote', { vif: ['bridge=x"y'] }, /vif/],
  ])('refuses %s', (_label, change, problem) => {
    let caught: unknown;
    try {
      renderDomainConfig({ ...good, ...change });
    } catch (err) {
      caught = err;
    }
    expect(isUserError(caught) && caught.code).toBe('bad_domain_config');
    expect((caught as Error).message).toMatch(problem);
  });

  it('lists every problem at once', () => {
    expect(() => renderDomainConfig({ name: 'X', kernel: 'k', extra: '"', memory: -1 })).toThrow(
      /name[\s\S]*kernel[\s\S]*extra[\s\S]*memory/,
    );
  });
});

describe('parseDomainConfig', () => {
  it("reads railing's domain_config (relative kernel, -home and -pz in extra, empty vif)", () => {
    expect(parseDomainConfig(fixture('railing-domain_config'), { relativeKernel: true })).toEqual({
      ok: true,
      config: {
        name: 'hello',
        kernel: 'hello.img',
        extra: '-s hello start -home /hello -pz /hello/deps/cowboy/ebin /hello/ebin',
        memory: 128,
        vif: [],
      },
    });
  });

  it('reads a vif list that ~p wrapped over two lines, commas inside items kept', () => {
    const parsed = parseDomainConfig(fixture('railing-domain_config-vifs'), { relativeKernel: true });
    expect(parsed.ok && parsed.config.vif).toEqual(['bridge=xenbr0,mac=00:16:3e:00:00:01', 'bridge=xenbr1']);
  });

  it('refuses a relative kernel unless asked to accept one', () => {
    expect(parseDomainConfig(fixture('railing-domain_config'))).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^kernel "hello.img"/)],
    });
  });

  it('names what is missing (railing leaves memory out without -m)', () => {
    expect(parseDomainConfig(fixture('railing-domain_config-no-memory'), { relativeKernel: true })).toEqual({
      ok: false,
      problems: ['memory is missing'],
    });
  });

  it.each<[string, string, RegExp]>([
    ['an unknown key', 'bootloader = "pygrub"', /line 5: unknown key bootloader/],
    ['a duplicate', 'name = "other"', /line 5: name given twice/],
    ['an HVM type', 'type = "hvm"', /type "hvm": only "pv"/],
    ['an escape in a string', 'ramdisk = "/a\\"b"', /line 5: ramdisk: expected/],
    ['a string for vif', 'vif = "bridge=xenbr0"', /vif must be a list/],
    ['a line without =', 'on_crash destroy', /line 5: expected key = value/],
    ['a bad vif item', 'vif = ["a=b" "c=d"]', /line 5: vif: expected/],
    ['a path with ..', 'ramdisk = "/srv/../etc/shadow"', /ramdisk/],
  ])('refuses %s', (_label, extraLine, problem) => {
    const text = `name = "hello"\nkernel = "/srv/k"\nextra = "x"\nmemory = 64\n${extraLine}\n`;
    const parsed = parseDomainConfig(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problems.join('\n')).toMatch(problem);
  });

  it('skips comments and blank lines', () => {
    const parsed = parseDomainConfig('# made by hand\n\nname = "a" # the name\nkernel = "/k"\nextra = ""\nmemory = 32\n');
    expect(parsed).toEqual({ ok: true, config: { name: 'a', kernel: '/k', extra: '', memory: 32 } });
  });
});
