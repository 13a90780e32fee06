import { afterEach, describe, expect, it } from 'vitest';
import { scriptedDriver } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';

let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});

const CONFIG = {
  xen: { kernel: '/k', hosts: [{ name: 'dom0', address: 'local' }] },
  apps: [
    { name: 'hello', source: { path: '/x' }, port: 18080 },
    { name: 'erl', runtime: 'ling', source: { path: '/y' } },
  ],
};
const NO_LING_WORKER =
  'no worker takes LING jobs now: none reaches a Xen host (xen.hosts in voxoz.yml). Nothing was queued; start `voxoz worker` on a machine that reaches one, then send the command again';

describe('workers take jobs by what they reach (a queue per runtime)', () => {
  it('a LING job no worker takes is refused at once; a worker that reaches Xen takes it; one that stops, stops taking', async () => {
    spine = await startSpine({ docker: scriptedDriver(), ling: { ...scriptedDriver(), runtime: 'ling' } }, CONFIG, { routed: true });
    spine.startRelay();
    // Nobody takes anything yet: even Docker jobs are refused instead of waiting forever.
    expect((await spine.say('alice', 'status hello')).reply?.text).toMatch(/^no worker takes these jobs now: none reaches a Docker engine/);
    const dockerOnly = await spine.startWorkers(1, { queueNames: ['jobs'] });
    const started = Date.now();
    const refused = await spine.say('alice', 'status erl');
    expect(refused.job).toBeUndefined();
    expect(refused.reply).toMatchObject({ status: 'error', text: NO_LING_WORKER });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await spine.redis.zcard(spine.keys.userJobs('local:alice'))).toBe(0);

    const hello = await spine.say('alice', 'status hello');
    expect((await spine.waitForEnd(hello.thread)).outcome).toBe('succeeded');

    const withXen = await spine.startWorkers(1, { queueNames: ['jobs', 'jobs-ling'] });
    const erl = await spine.say('alice', 'status erl');
    expect(erl.job).toBeDefined();
    const thread = await spine.waitForEnd(erl.thread);
    expect(thread.outcome).toBe('succeeded');
    expect((await spine.queue.get(erl.job!))?.queue).toBe('jobs-ling');
    // It ran on the worker that reaches Xen, never on the Docker-only one.
    const events = await spine.redis.xrange(spine.keys.events(erl.job!), '-', '+');
    const worker = events.map(([, f]) => JSON.parse(f[1]!)).find((e) => e.type === 'started')?.worker;
    expect(worker).toBe(withXen.id);
    expect(worker).not.toBe(dockerOnly.id);

    await withXen.close();
    expect((await spine.say('alice', 'status erl')).reply?.text).toBe(NO_LING_WORKER);
  });
});
