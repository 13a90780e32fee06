import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { burstPlan, deployPlan, scalePlan } from '../../src/jobs/processors/change-plans.ts';
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

describe('the dry-run plans of a LING app', () => {
  const ling = () =>
    validateConfig(
      {
        xen: { kernel: '/boot/vmlinuz', hosts: [{ name: 'xen-a', address: 'local' }] },
        apps: [
          {
            name: 'hello',
            runtime: 'ling',
            source: { path: '/srv/hello' },
            replicas: 2,
            ling: { extra: '-s hello start', readyLine: 'hello ready', readyTimeoutSeconds: 60 },
            health: { watchSeconds: 10 },
          },
        ],
      },
      '/x/voxoz.yml',
    ).apps[0]!;

  it('name domains, the ready line and the watch, and no front door or Dockerfile', async () => {
    const plan = await deployPlan(scriptedDriver(), ling(), 'production', undefined, [], new Set(), new Set());
    expect(plan.fields).toEqual(
      expect.arrayContaining([
        { label: 'build', value: 'a new image from the folder /srv/hello (its Erlang app, by xen.builder)' },
        {
          label: 'start',
          value: '2 domains of v1 beside the running ones, each must print "hello ready" within 60s, then watched 10s before the switch',
        },
        { label: 'switch', value: 'no front door (LING domains serve on their own): them become the serving set' },
      ]),
    );
    expect(JSON.stringify(plan.fields)).not.toMatch(/127\.0\.0\.1|Dockerfile|health-gated/);
  });

  it('scale and burst start domains gated by the ready line, without a watch', async () => {
    const target = { app: ling(), env: 'production', release: 3, artifact: { id: 'sha256:abc', name: 'hello v3' }, port: 0 };
    const scale = await scalePlan(scriptedDriver(), target, 4, 2);
    expect(scale.fields).toContainEqual({ label: 'start', value: '4 domains of v3, each must print "hello ready" within 60s' });
    expect(scale.fields).toContainEqual({
      label: 'switch',
      value: "no front door (LING domains serve on their own): v3's 4 domains become the serving set",
    });
    const burst = await burstPlan(scriptedDriver(), target, 2, 1, '12:00:00 UTC');
    expect(burst.fields).toContainEqual({ label: 'start', value: '3 domains of v3 now, each must print "hello ready" within 60s' });
    expect(JSON.stringify([...scale.fields!, ...burst.fields!])).not.toMatch(/127\.0\.0\.1|front door 127|watched/);
  });
});
