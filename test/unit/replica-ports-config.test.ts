import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../src/config/load-config.ts';

const app = (more: Record<string, unknown>) => ({ name: 'a', source: { path: '.' }, port: 8000, ...more });

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw, '/tmp/voxoz.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('replica ports, health and drain settings', () => {
  it('fills in the documented defaults', () => {
    const config = validateConfig({ apps: [app({})] }, '/tmp/voxoz.yml');
    expect(config.frontDoor).toEqual({ replicaPorts: '20000-29999' });
    expect(config.apps[0]).toMatchObject({
      health: { path: '/', timeoutSeconds: 30, retries: 3, graceSeconds: 5, watchSeconds: 0 },
      drainSeconds: 5,
      environments: { production: {} },
    });
    expect(config.apps[0]!.health.status).toBeUndefined();
  });

  it.each([
    [
      'a range written wrongly',
      { apps: [app({ environments: { production: { replicaPorts: '30000..30010' } } })] },
      [
        'apps[0].environments.production.replicaPorts: must be a port range like "20000-20099" within 1024..65535, low end first, got "30000..30010"',
      ],
    ],
    [
      'a range low end last',
      { frontDoor: { replicaPorts: '29999-20000' } },
      ['frontDoor.replicaPorts: must be a port range like "20000-20099" within 1024..65535, low end first, got "29999-20000"'],
    ],
    [
      'two environments sharing ports',
      {
        apps: [
          app({ environments: { production: { replicaPorts: '30000-30009' }, staging: { port: 8001, replicaPorts: '30005-30019' } } }),
        ],
      },
      ['apps[0].environments.staging.replicaPorts: 30005-30019 overlaps the replica ports of a (production) (30000-30009)'],
    ],
    [
      'a range inside the shared one',
      { apps: [app({ environments: { production: { replicaPorts: '20000-20009' } } })] },
      [
        'apps[0].environments.production.replicaPorts: 20000-20009 overlaps frontDoor.replicaPorts (20000-29999); pick ports outside it, or move it',
      ],
    ],
    [
      'a range too small for old and new side by side',
      {
        apps: [app({ replicas: 3, environments: { production: { replicaPorts: '30000-30004' } } })],
      },
      [
        'apps[0].environments.production.replicaPorts: 30000-30004 holds 5 port(s); a (production) needs at least 6 (3 replica(s), old and new side by side)',
      ],
    ],
    [
      "a range too small for the environment's own replicas",
      {
        apps: [app({ replicas: 1, environments: { production: { replicas: 3, replicaPorts: '30000-30004' } } })],
      },
      [
        'apps[0].environments.production.replicaPorts: 30000-30004 holds 5 port(s); a (production) needs at least 6 (3 replica(s), old and new side by side)',
      ],
    ],
    [
      'a front-door port inside the shared range',
      { apps: [app({ port: 20500 })] },
      [
        'frontDoor.replicaPorts: 20000-29999 contains 20500, the front-door port of a (production); give the app a port outside it, or move the range',
      ],
    ],
    [
      'a front-door port inside an environment range',
      {
        apps: [app({ environments: { production: { replicaPorts: '30000-30009' } } }), { name: 'b', source: { path: '.' }, port: 30003 }],
      },
      ['apps[0].environments.production.replicaPorts: 30000-30009 contains 30003, the front-door port of b (production)'],
    ],
    [
      'health and drain out of bounds',
      { apps: [app({ health: { status: 42, retries: 0, graceSeconds: -1, watchSeconds: 601 }, drainSeconds: 4000 })] },
      [
        'apps[0].health.status: must be 100..599, got 42',
        'apps[0].health.retries: must be 1..100, got 0',
        'apps[0].health.graceSeconds: must be 0..600, got -1',
        'apps[0].health.watchSeconds: must be 0..600, got 601',
        'apps[0].drainSeconds: must be 0..3600, got 4000',
      ],
    ],
  ])('%s is a config error that says how to fix it', (_name, raw, expected) => {
    expect(problems(raw)).toEqual(expected);
  });

  it('accepts separate ranges outside the shared one', () => {
    expect(
      problems({
        apps: [
          app({ environments: { production: { replicaPorts: '30000-30009' }, staging: { port: 8001, replicaPorts: '30010-30019' } } }),
        ],
      }),
    ).toEqual([]);
  });
});
