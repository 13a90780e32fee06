import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { deployPlan } from '../../src/jobs/processors/change-plans.ts';
import { scriptedDriver } from '../support/scripted-driver.ts';

// deploy --dry-run names the watch after the health gate when health.watchSeconds is set.
const appWith = (health: Record<string, unknown>) =>
  validateConfig({ apps: [{ name: 'hello', source: { path: '/srv/hello' }, port: 8080, health }] }, '/x/voxoz.yml').apps[0]!;

describe('the dry-run plan and health.watchSeconds', () => {
  it('says the new replicas are watched for that long before the switch', async () => {
    const plan = await deployPlan(scriptedDriver(), appWith({ watchSeconds: 15 }), 'production', undefined, [], new Set(), new Set());
    expect(plan.fields).toContainEqual({
      label: 'start',
      value: '1 replica of v1 beside the running ones, health-gated, then watched 15s before the switch',
    });
  });

  it('names no watch when there is none (the default)', async () => {
    const app = appWith({});
    expect(app.health.watchSeconds).toBe(0);
    const plan = await deployPlan(scriptedDriver(), app, 'production', undefined, [], new Set(), new Set());
    expect(plan.fields).toContainEqual({ label: 'start', value: '1 replica of v1 beside the running ones, health-gated' });
  });
});
