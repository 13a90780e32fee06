import { describe, expect, it } from 'vitest';
import { appIn } from '../../src/config/app-environment.ts';
import { validateConfig } from '../../src/config/load-config.ts';

const config = validateConfig(
  {
    apps: [
      {
        name: 'hello',
        source: { path: '.' },
        port: 8000,
        replicas: 2,
        env: { GREETING: 'hi', MODE: 'app' },
        environments: {
          production: { replicas: 4, env: { MODE: 'prod', EXTRA: '1' } },
          staging: { port: 8100 },
          qa: { port: 8200, env: {} },
        },
      },
    ],
  },
  '/x/voxoz.yml',
);
const app = config.apps[0]!;

describe('appIn: the app as it runs in one environment', () => {
  it("takes the environment's replicas and lays its env over the app's", () => {
    const prod = appIn(app, 'production');
    expect(prod.replicas).toBe(4);
    expect(prod.env).toEqual({ GREETING: 'hi', MODE: 'prod', EXTRA: '1' });
    expect(prod.name).toBe('hello');
    expect(prod.environments).toBe(app.environments);
    // The app itself is not changed.
    expect(app.replicas).toBe(2);
    expect(app.env).toEqual({ GREETING: 'hi', MODE: 'app' });
  });

  it("keeps the app's settings where the environment sets none", () => {
    expect(appIn(app, 'staging')).toBe(app);
    expect(appIn(app, 'qa')).toMatchObject({ replicas: 2, env: { GREETING: 'hi', MODE: 'app' } });
  });

  it('is the app itself for an environment it does not have, also one named like a prototype key', () => {
    expect(appIn(app, 'nowhere')).toBe(app);
    expect(appIn(app, 'constructor')).toBe(app);
  });
});
