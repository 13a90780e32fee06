import { afterEach, describe, expect, it } from 'vitest';
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
    await spine.startWorkers();
    spine.startRelay();
    const { thread } = await spine.say('alice', 'status');
    const reply = (await spine.waitForEnd(thread)).messages[1]!.reply!;
    expect(reply.code).toEqual([
      'fresh (production): not deployed yet; "deploy fresh" starts it',
      'fresh (staging): not deployed yet; "deploy fresh --env staging" starts it',
      'broken: nothing live; no deploy has gone live yet (the last, v1, failed: its thread says why)',
      'paused: no instances',
    ]);
    expect(reply.fields?.filter((f) => f.label.endsWith(' replicas'))).toEqual([
      { label: 'fresh (production) replicas', value: 'not deployed yet' },
      { label: 'fresh (staging) replicas', value: 'not deployed yet' },
      { label: 'broken replicas', value: 'nothing live (v1 failed)' },
      { label: 'paused replicas', value: 'desired 1, running 0' },
    ]);
  });
});
