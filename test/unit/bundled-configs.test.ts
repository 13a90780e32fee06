import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';

// The configs that ship with voxoz load as they are: a new user starts from them.
const ROOT = join(import.meta.dirname, '..', '..');

describe('the bundled configs', () => {
  it('voxoz.yml (the demo) loads, and watches a new release of hello for 10 s before the switch', () => {
    const hello = loadConfig(join(ROOT, 'voxoz.yml')).apps.find((a) => a.name === 'hello');
    expect(hello?.health).toMatchObject({ path: '/', timeoutSeconds: 20, watchSeconds: 10 });
  });

  it('voxoz.example.yml (every option) loads', () => {
    const config = loadConfig(join(ROOT, 'voxoz.example.yml'));
    expect(config.apps[0]?.health.watchSeconds).toBe(10);
  });
});
