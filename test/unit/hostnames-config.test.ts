import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../src/config/load-config.ts';
import { namedSites } from '../../src/frontdoor/named-sites.ts';

const app = (name: string, port: number, environments: unknown) => ({ name, source: { path: '/x' }, port, environments });
const problems = (raw: unknown): string => {
  try {
    validateConfig(raw, '/t/voxoz.yml');
    return '';
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
};

describe('environment hostnames in voxoz.yml', () => {
  it('need frontDoor.httpsPort, valid DNS names, and one owner each', () => {
    expect(problems({ apps: [app('hello', 18080, { production: { hostnames: ['hello.internal'] } })] })).toMatch(
      /hostnames are served over HTTPS on frontDoor.httpsPort; set it/,
    );
    expect(
      problems({ frontDoor: { httpsPort: 8443 }, apps: [app('hello', 18080, { production: { hostnames: ['not a name'] } })] }),
    ).toMatch(/must be a DNS name, e.g. hello.internal/);
    expect(
      problems({
        frontDoor: { httpsPort: 8443 },
        apps: [
          app('hello', 18080, { production: { hostnames: ['x.internal'] } }),
          app('api', 18090, { production: { hostnames: ['x.internal'] } }),
        ],
      }),
    ).toMatch(/"x.internal" is already served by hello \(production\)/);
  });

  it('become named sites at each environment front-door address', () => {
    const config = validateConfig(
      {
        frontDoor: { httpsPort: 8443 },
        apps: [
          app('hello', 18080, { production: { hostnames: ['hello.internal'] }, staging: { port: 18085, hostnames: ['s.hello.internal'] } }),
        ],
      },
      '/t/voxoz.yml',
    );
    expect(namedSites(config, 'vx')).toEqual([
      { site: { instance: 'vx', app: 'hello', env: 'production', listen: '127.0.0.1:18080' }, hostnames: ['hello.internal'] },
      { site: { instance: 'vx', app: 'hello', env: 'staging', listen: '127.0.0.1:18085' }, hostnames: ['s.hello.internal'] },
    ]);
  });
});
