import { afterEach, describe, expect, it } from 'vitest';
import { allQueues, routeJob, servedQueues } from '../../src/jobs/job-route.ts';
import { listWorkers } from '../../src/jobs/worker-presence.ts';
import { scriptedDriver } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { validateConfig } from '../../src/config/load-config.ts';

let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});

const CONFIG = {
  xen: {
    kernel: '/k',
    hosts: [
      { name: 'xen-a', address: 'local' },
      { name: 'xen-b', address: 'local' },
    ],
  },
  targets: [{ name: 'edge', kind: 'engine', host: 'unix:///nonexistent/docker.sock' }],
  apps: [
    { name: 'hello', source: { path: '/x' }, port: 18080 },
    { name: 'web', source: { path: '/x' }, port: 18090, environments: { production: { target: 'edge' } } },
    { name: 'erl', runtime: 'ling', source: { path: '/y' }, environments: { production: {}, staging: { xenHosts: ['xen-b'] } } },
  ],
};
const NO_LING_WORKER =
  'no worker reaches all of the Xen hosts xen-a, xen-b; start `voxoz worker` on a machine that does, then send the command again. Nothing was queued';

describe('workers take jobs by what they reach, down to the target', () => {
  it('routes each app environment to the queue of its target or Xen hosts, and a worker serves what it reaches', () => {
    const config = validateConfig(CONFIG, '/t/voxoz.yml');
    expect(routeJob(config, { app: 'hello', env: 'production' })).toBe('jobs');
    expect(routeJob(config, { app: 'web', env: 'production' })).toBe('jobs-on-edge');
    expect(routeJob(config, { app: 'erl', env: 'production' })).toBe('jobs-ling');
    expect(routeJob(config, { app: 'erl', env: 'staging' })).toBe('jobs-ling-xen-b');
    expect(routeJob(config, { app: undefined, env: 'production' })).toBe('jobs');
    expect(allQueues(config).sort()).toEqual(['jobs', 'jobs-ling', 'jobs-ling-xen-b', 'jobs-on-edge']);
    // Reaching xen-b alone serves staging's domains, not production's (which may run on either host).
    expect(servedQueues(config, { engine: false, targets: new Set(), xenHosts: new Set(['xen-b']) })).toEqual(['jobs-ling-xen-b']);
    expect(
      servedQueues(config, { engine: true, targets: new Set(['local', 'edge']), xenHosts: new Set(['xen-a', 'xen-b']) }).sort(),
    ).toEqual(['jobs', 'jobs-ling', 'jobs-ling-xen-b', 'jobs-on-edge']);
  });

  it('a job no worker takes is refused at once, naming what is missing; one that reaches it takes it; one that stops, stops taking', async () => {
    spine = await startSpine({ docker: scriptedDriver(), ling: { ...scriptedDriver(), runtime: 'ling' } }, CONFIG, { routed: true });
    spine.startRelay();
    // Nobody takes anything yet: even Docker jobs are refused instead of waiting forever.
    expect((await spine.say('alice', 'status hello')).reply?.text).toMatch(/^no worker reaches a Docker engine; start `voxoz worker`/);
    const dockerOnly = await spine.startWorkers(1, { queueNames: ['jobs'], reaches: ['Docker engine unix:///x'] });
    const started = Date.now();
    const refused = await spine.say('alice', 'status erl');
    expect(refused.job).toBeUndefined();
    expect(refused.reply).toMatchObject({ status: 'error', text: NO_LING_WORKER });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await spine.redis.zcard(spine.keys.userJobs('local:alice'))).toBe(0);
    expect((await spine.say('alice', 'status erl --env staging')).reply?.text).toMatch(/^no worker reaches the Xen host xen-b;/);
    expect((await spine.say('alice', 'deploy web')).reply?.text).toBe(
      'no worker reaches the target edge; start `voxoz worker` on a machine that does, then send the command again. Nothing was queued',
    );

    const hello = await spine.say('alice', 'status hello');
    expect((await spine.waitForEnd(hello.thread)).outcome).toBe('succeeded');

    const edge = await spine.startWorkers(1, { queueNames: ['jobs-on-edge'], reaches: ['target edge'] });
    const web = await spine.say('alice', 'status web');
    expect((await spine.waitForEnd(web.thread)).outcome).toBe('succeeded');
    expect((await spine.queue.get(web.job!))?.queue).toBe('jobs-on-edge');

    const withXen = await spine.startWorkers(1, {
      queueNames: ['jobs', 'jobs-ling', 'jobs-ling-xen-b'],
      reaches: ['Xen host xen-a', 'Xen host xen-b'],
    });
    const erl = await spine.say('alice', 'status erl');
    expect(erl.job).toBeDefined();
    const thread = await spine.waitForEnd(erl.thread);
    expect(thread.outcome).toBe('succeeded');
    expect((await spine.queue.get(erl.job!))?.queue).toBe('jobs-ling');
    // It ran on the worker that reaches Xen, never on the Docker-only one.
    const workerOf = async (job: string) =>
      (await spine!.redis.xrange(spine!.keys.events(job), '-', '+')).map(([, f]) => JSON.parse(f[1]!)).find((e) => e.type === 'started')
        ?.worker;
    expect(await workerOf(erl.job!)).toBe(withXen.id);
    expect(await workerOf(web.job!)).toBe(edge.id);

    // What each worker says of itself: `voxoz workers`.
    const cards = await listWorkers(spine.redis, spine.keys);
    expect(cards.map((c) => c.id).sort()).toEqual([dockerOnly.id, edge.id, withXen.id].sort());
    expect(cards.find((c) => c.id === edge.id)).toMatchObject({
      reaches: ['target edge'],
      queues: ['jobs-on-edge'],
      pid: process.pid,
      running: [],
    });

    const said = (await spine.say('bob', 'workers')).reply!;
    expect(said.title).toBe('workers: 3 alive, 0 jobs running');
    expect(said.code?.[0]).toContain('target edge');
    expect(said.code?.[0]).toContain('Xen host xen-a, Xen host xen-b');

    await withXen.close();
    expect((await spine.say('alice', 'status erl')).reply?.text).toBe(NO_LING_WORKER);
    expect((await listWorkers(spine.redis, spine.keys)).map((c) => c.id)).not.toContain(withXen.id);
  });
});
