import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../src/config/load-config.ts';

const FP = `SHA256:${'A'.repeat(43)}`;
const problems = (raw: unknown): string[] => {
  try {
    validateConfig(raw, '/etc/voxoz/voxoz.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};
const lingApp = (extra: Record<string, unknown> = {}) => ({ name: 'hello', runtime: 'ling', source: { path: './hello' }, ...extra });
const host = (extra: Record<string, unknown> = {}) => ({
  name: 'xen-a',
  address: '127.0.0.1',
  port: 2222,
  keyFile: 'keys/voxoz',
  hostKey: FP,
  ...extra,
});

describe('xen: and ling apps in voxoz.yml', () => {
  it('a ling app needs no port; xen paths resolve next to voxoz.yml; defaults filled in', () => {
    const config = validateConfig({ xen: { kernel: 'kernels/vmlinux', hosts: [host()] }, apps: [lingApp()] }, '/etc/voxoz/voxoz.yml');
    expect(config.xen).toMatchObject({ builder: 'erlang-pv', kernel: '/etc/voxoz/kernels/vmlinux', railing: ['railing'] });
    expect(config.xen?.hosts[0]).toMatchObject({ user: 'root', keyFile: '/etc/voxoz/keys/voxoz', imagesDir: '/var/lib/voxoz-xl/images' });
    expect(config.apps[0]?.port).toBeUndefined(); // Empty variables are what a ling app gets by default: not refused.
    expect(() =>
      validateConfig(
        { xen: { kernel: 'k', hosts: [host()] }, apps: [lingApp({ env: {}, secrets: [], environments: { production: { env: {} } } })] },
        '/x.yml',
      ),
    ).not.toThrow();
  });

  it.each([
    ['a docker app without a port', { apps: [{ name: 'web', source: { path: '.' } }] }, 'apps[0].port: is required'],
    [
      'a ling app with no Xen host',
      { apps: [lingApp()] },
      'apps[0].runtime: a ling app needs Xen hosts to run on: add them under xen.hosts',
    ],
    [
      'erlang-pv without a kernel',
      { xen: { hosts: [host()] }, apps: [lingApp()] },
      'xen.kernel: the erlang-pv builder needs a PV Linux kernel',
    ],
    [
      'an SSH host without its pinned key',
      { xen: { kernel: 'k', hosts: [host({ hostKey: undefined })] } },
      'xen.hosts[0]: a host reached over SSH needs keyFile',
    ],
    [
      'a malformed fingerprint',
      { xen: { kernel: 'k', hosts: [host({ hostKey: 'SHA256:short' })] } },
      'xen.hosts[0].hostKey: must be a fingerprint',
    ],
    [
      'two hosts with one name',
      { xen: { kernel: 'k', hosts: [host(), host()] } },
      'xen.hosts[1].name: "xen-a" is already the name of another host',
    ],
    [
      'an environment naming an unknown host',
      { xen: { kernel: 'k', hosts: [host()] }, apps: [lingApp({ environments: { production: { xenHosts: ['xen-b'] } } })] },
      'apps[0].environments.production.xenHosts[0]: no Xen host is named "xen-b" (xen.hosts: xen-a)',
    ],
    [
      'ling settings on a docker app',
      { apps: [{ name: 'web', port: 8080, source: { path: '.' }, ling: {} }] },
      'apps[0].ling: only an app with runtime: ling',
    ],
    [
      'a quote in the start arguments',
      { xen: { kernel: 'k', hosts: [host()] }, apps: [lingApp({ ling: { extra: '-s "x"' } })] },
      'apps[0].ling.extra: must be printable ASCII',
    ],
    [
      'variables for a ling app (env)',
      { xen: { kernel: 'k', hosts: [host()] }, apps: [lingApp({ env: { GREETING: 'hi' } })] },
      "apps[0].env: a ling app's domains have no environment variables (LING runs Erlang on Xen, with no OS under it), so this would be silently ignored: pass settings as Erlang start arguments in ling.extra instead, and remove it",
    ],
    [
      'variables for a ling app (secrets)',
      { xen: { kernel: 'k', hosts: [host()] }, apps: [lingApp({ secrets: ['API_TOKEN'] })] },
      "apps[0].secrets: a ling app's domains have no environment variables",
    ],
    [
      "variables for a ling app (an environment's env)",
      { xen: { kernel: 'k', hosts: [host()] }, apps: [lingApp({ environments: { production: { env: { A: 'b' } } } })] },
      "apps[0].environments.production.env: a ling app's domains have no environment variables",
    ],
    [
      'a host name with a slash',
      { xen: { kernel: 'k', hosts: [host({ name: 'xen/a' })] } },
      'xen.hosts[0].name: must be lowercase letters',
    ],
  ])('%s is refused with a fix', (_name, raw, expected) => {
    expect(problems(raw).join('\n')).toContain(expected);
  });

  it('a local host (voxoz in dom0) needs no key', () => {
    expect(problems({ xen: { kernel: 'k', hosts: [{ name: 'dom0', address: 'local' }] }, apps: [lingApp()] })).toEqual([]);
  });
});
