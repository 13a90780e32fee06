import { afterEach, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/drivers/driver.ts';
import { createDesiredStore } from '../../src/store/desired-store.ts';
import { scriptedDriver } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';

let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});

describe('status of an app environment with no instances, on real Redis', () => {
  it('status of an app environment with no instances says whether it was never deployed, only failed, or went live', async () => {
    spine = await startSpine(
      { docker: { ...scriptedDriver(), status: async () => [] } },
      {
        apps: [
          { name: 'fresh', source: { path: '/x' }, port: 18080, environments: { production: {}, staging: { port: 18180 } } },
          { name: 'broken', source: { path: '/y' }, port: 18280 },
          { name: 'paused', source: { path: '/z' }, port: 18380 },
          { name: 'zero', source: { path: '/w' }, port: 18480 },
        ],
      },
    );
    const release = (app: string, number: number, outcome: 'live' | 'failed') =>
      spine!.releases.record({
        app,
        env: 'production',
        number,
        artifact: 'sha256:1',
        deployedBy: 'a',
        at: '',
        outcome,
        jobId: `j${number}`,
      });
    await release('broken', 1, 'failed');
    await release('paused', 1, 'live');
    await release('paused', 2, 'failed');
    await release('zero', 1, 'live');
    await createDesiredStore(spine.redis, spine.keys).set('zero', 'production', 0);
    await spine.startWorkers();
    spine.startRelay();
    const { thread } = await spine.say('alice', 'status');
    const reply = (await spine.waitForEnd(thread)).messages[1]!.reply!;
    expect(reply.code).toEqual([
      'fresh (production): not deployed yet; "deploy fresh" starts it',
      'fresh (staging): not deployed yet; "deploy fresh --env staging" starts it',
      'broken: nothing live; no deploy has gone live yet (the last, v1, failed: its thread says why)',
      'paused: no replicas running of 1 desired',
      'zero: scaled to 0, no replicas run ("scale zero <n>" or a deploy starts them again)',
    ]);
    expect(reply.fields?.filter((f) => f.label.endsWith(' replicas'))).toEqual([
      { label: 'fresh (production) replicas', value: 'not deployed yet' },
      { label: 'fresh (staging) replicas', value: 'not deployed yet' },
      { label: 'broken replicas', value: 'nothing live (v1 failed)' },
      { label: 'paused replicas', value: 'desired 1, running 0' },
      { label: 'zero replicas', value: 'desired 0, running 0' },
    ]);
    // What the instance count leaves out is named, not "0/0 healthy" alone.
    expect(reply.title).toBe(
      '4 apps: 0/0 instances healthy; 1 scaled to 0, 2 not deployed yet, 1 with nothing live, 1 desired not running (production, staging)',
    );
    // One app scaled to 0, or whose replicas are gone, says so in its title rather than "0/0 healthy".
    // Replicas desired and not running, or no deploy gone live after one was tried, mark the reply for a look.
    expect(reply.status).toBe('attention');
    const one = async (text: string) => (await spine!.waitForEnd((await spine!.say('alice', text)).thread)).messages[1]!.reply!;
    expect(await one('status zero')).toMatchObject({ title: 'zero: scaled to 0, not serving (production)', status: 'succeeded' });
    expect(await one('status paused')).toMatchObject({
      title: 'paused: no replicas running of 1 desired (production)',
      status: 'attention',
    });
    // Nor does one that never went live: never deployed, or its deploys all failed.
    expect(await one('status fresh')).toMatchObject({ title: 'fresh: not deployed yet (production, staging)', status: 'succeeded' });
    expect((await one('status fresh --env staging')).title).toBe('fresh: not deployed yet (staging)');
    expect(await one('status broken')).toMatchObject({
      title: 'broken: nothing live, no deploy has gone live yet (production)',
      status: 'attention',
    });
  });

  it('marks status for a look when a replica is missing, down or unhealthy, and not when all desired run healthy', async () => {
    let instances: Instance[] = [];
    const replica = (n: number, over: Partial<Instance> = {}): Instance => ({
      id: `c${n}`,
      name: `web-v1-${n}`,
      release: 1,
      state: 'running',
      healthy: true,
      ...over,
    });
    spine = await startSpine(
      { docker: { ...scriptedDriver(), status: async () => instances } },
      {
        apps: [{ name: 'web', source: { path: '/x' }, port: 18580, replicas: 2 }],
      },
    );
    await spine.releases.record({
      app: 'web',
      env: 'production',
      number: 1,
      artifact: 'sha256:1',
      deployedBy: 'a',
      at: '',
      outcome: 'live',
      jobId: 'j1',
    });
    await spine.startWorkers();
    spine.startRelay();
    const status = async (text: string) => (await spine!.waitForEnd((await spine!.say('alice', text)).thread)).messages[1]!.reply!;
    const cases: Array<[string, Instance[], 'succeeded' | 'attention', string]> = [
      ['both healthy', [replica(0), replica(1)], 'succeeded', 'web: 2/2 instances healthy (production)'],
      [
        'no health check answer yet',
        [replica(0), replica(1, { healthy: undefined })],
        'succeeded',
        'web: 1/2 instances healthy (production)',
      ],
      ['one fails its health check', [replica(0), replica(1, { healthy: false })], 'attention', 'web: 1/2 instances healthy (production)'],
      [
        'one exited',
        [replica(0), replica(1, { state: 'exited', healthy: undefined })],
        'attention',
        'web: 1/2 instances healthy (production)',
      ],
      ['one of two desired', [replica(0)], 'attention', 'web: 1/1 instances healthy (production)'],
    ];
    for (const [what, now, icon, title] of cases) {
      instances = now;
      expect(await status('status web'), what).toMatchObject({ title, status: icon });
      expect((await status('status')).status, what).toBe(icon);
    }
  });
});
