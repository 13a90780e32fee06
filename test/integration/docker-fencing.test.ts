import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Fence } from '../../src/drivers/driver.ts';
import { createFence } from '../../src/jobs/app-fence.ts';
import { acquireAppLock, releaseAppLock } from '../../src/jobs/app-lock.ts';
import { reconcileApps } from '../../src/jobs/reconcile-apps.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { dockerTestbed, failure, ioFor, page } from '../support/docker-apps.ts';

// The real Docker driver and real Redis-backed locks and fences: holders are simulated by
// taking the lock in the order a pause would produce.
const bed = dockerTestbed();
const { docker, instance, driver } = bed;
const redis = new Redis(inject('redisUrl'));
const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
afterAll(async () => {
  await bed.cleanup();
  await redis.quit();
});

/** Takes app+env's lock as job `jobId` (the previous holder is gone) and returns its fence. */
async function holder(app: string, jobId: string): Promise<Fence & { release(): Promise<void> }> {
  const lockKeys = { lock: keys.appLock(app, 'production'), fence: keys.appFence(app, 'production') };
  await redis.del(lockKeys.lock); // the earlier holder's lock ran out
  const lock = await acquireAppLock(redis, lockKeys, jobId, 60_000);
  if (!lock.held) throw new Error(`${jobId} should hold the lock`);
  const fence = createFence(redis, { fence: lockKeys.fence, live: keys.appLive(app, 'production') }, lock.token);
  return Object.assign(fence, { release: () => releaseAppLock(redis, lockKeys, lock.value) });
}

const names = async (app: string) =>
  (await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${instance}`, `voxoz.app=${app}`] } }))
    .map((c) => `${c.Names[0]!.slice(1)} fence=${c.Labels['voxoz.fence'] ?? '-'} ${c.State}`)
    .sort();

describe("fencing: only the newest lock holder's containers are switched to and kept", () => {
  it('puts the token on what a deploy creates and records it as serving at the switch', async () => {
    const hello = await bed.freshApp();
    const a = await holder(hello.name, 'job-a');
    await hello.deploy(1, {}, ioFor([], undefined, a));
    expect(await names(hello.name)).toEqual([`${instance}-${hello.name}-production-v1-0 fence=${a.token} running`]);
    expect(await a.live()).toBe(a.token);
  });

  it('a holder that paused before it started, and resumed after a newer one went live, touches nothing', async () => {
    const hello = await bed.freshApp();
    const old = await holder(hello.name, 'job-old');
    const newer = await holder(hello.name, 'job-newer');
    await hello.deploy(1, {}, ioFor([], undefined, newer));
    const lines: string[] = [];
    const artifact = await driver.build(hello.target(2), undefined, ioFor(lines));
    const err = await failure(driver.deploy(hello.target(2), artifact, ioFor(lines, undefined, old)));
    expect(err).toEqual({
      code: 'superseded',
      message: `a newer deploy of ${hello.name} (production) took the lock while this one was paused; v2 was not switched to, and what it started was removed`,
    });
    expect(await page(hello.port)).toContain('hello from release v1');
    expect(await names(hello.name)).toEqual([`${instance}-${hello.name}-production-v1-0 fence=${newer.token} running`]);
  });

  it('a holder that pauses after its check cannot switch: what it started is removed and the serving release serves again', async () => {
    const hello = await bed.freshApp();
    const serving = await holder(hello.name, 'job-1');
    await hello.deploy(1, {}, ioFor([], undefined, serving));
    await serving.release();
    const paused = await holder(hello.name, 'job-2');
    // job-2 passes its first check, starts v2, and pauses past its lock right before the switch;
    // job-3 takes the lock meanwhile.
    const pausing: Fence = {
      ...paused,
      token: paused.token,
      claimLive: async () => {
        await holder(hello.name, 'job-3');
        return paused.claimLive();
      },
    };
    const lines: string[] = [];
    const artifact = await driver.build(hello.target(2), undefined, ioFor(lines));
    const err = await failure(driver.deploy(hello.target(2), artifact, ioFor(lines, undefined, pausing)));
    expect(err.code).toBe('superseded');
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^started ${instance}-${hello.name}-production-v2-0 on 127\\.0\\.0\\.1:\\d+$`)),
    );
    expect(lines).toContain('superseded: removing v2 and restoring v1');
    expect(await page(hello.port)).toContain('hello from release v1');
    expect(await names(hello.name)).toEqual([`${instance}-${hello.name}-production-v1-0 fence=${serving.token} running`]);
    expect(await paused.live()).toBe(serving.token);
  });

  it("the reconciler removes a stale holder's leftovers, at worker start and before each deploy; the newest release keeps serving", async () => {
    const hello = await bed.freshApp();
    const stale = await holder(hello.name, 'job-stale');
    const newest = await holder(hello.name, 'job-newest');
    await hello.deploy(3, {}, ioFor([], undefined, newest));
    // What job-stale made after job-newest went live (it had passed its checks, then paused).
    const leftover = (release: number) =>
      docker.createContainer({
        name: `${instance}-${hello.name}-production-v${release}-0`,
        Image: 'busybox:latest',
        Cmd: ['sleep', '300'],
        Labels: {
          'voxoz.instance': instance,
          'voxoz.app': hello.name,
          'voxoz.env': 'production',
          'voxoz.release': String(release),
          'voxoz.port': String(hello.port),
          'voxoz.fence': String(stale.token),
        },
      });
    await (await leftover(2)).start();
    // At worker start, once nobody holds the lock (job-newest is done): only tokens older than the serving one go.
    await newest.release();
    await reconcileApps({ redis, keys, config: hello.config(), drivers: { docker: driver }, log: silentLogger });
    expect(await names(hello.name)).toEqual([`${instance}-${hello.name}-production-v3-0 fence=${newest.token} running`]);
    expect(await page(hello.port)).toContain('hello from release v3');
    // Before a deploy: the next holder clears them first, then deploys as usual.
    await leftover(4);
    const next = await holder(hello.name, 'job-next');
    const lines: string[] = [];
    await hello.deploy(5, {}, ioFor(lines, undefined, next));
    expect(lines).toContain(`removed ${instance}-${hello.name}-production-v4-0, left by a deploy that had lost its lock`);
    expect(await names(hello.name)).toEqual([`${instance}-${hello.name}-production-v5-0 fence=${next.token} running`]);
    expect(await page(hello.port)).toContain('hello from release v5');
  });

  it('the reconciler points the front door at the live release when it lost its route (a restarted caddy) or points elsewhere', async () => {
    const hello = await bed.freshApp();
    const serving = await holder(hello.name, 'job-live');
    await hello.deploy(1, {}, ioFor([], undefined, serving));
    const site = { instance, app: hello.name, env: 'production', listen: `127.0.0.1:${hello.port}` };
    const live = (await bed.frontDoor.route(site))!;
    expect(live.fence).toBe(serving.token);
    // A caddy that restarted knows no routes: the address stops answering until the reconciler runs.
    await bed.frontDoor.remove(site);
    await expect(page(hello.port)).rejects.toThrow(/ECONNREFUSED/);
    // While a job holds the lock, the app is its (or its takeover's) to fix: the reconciler leaves it alone.
    await reconcileApps({ redis, keys, config: hello.config(), drivers: { docker: driver }, log: silentLogger });
    expect(await bed.frontDoor.route(site)).toBeUndefined();
    await serving.release();
    await reconcileApps({ redis, keys, config: hello.config(), drivers: { docker: driver }, log: silentLogger });
    expect(await bed.frontDoor.route(site)).toEqual(live);
    expect(await page(hello.port)).toContain('hello from release v1');
    // A route that points elsewhere under an older token (0: set before fencing) is replaced too.
    expect(await bed.frontDoor.switch(site, ['127.0.0.1:1'])).toBe(true);
    expect(await bed.frontDoor.route(site)).toEqual({ upstreams: ['127.0.0.1:1'], fence: 0 });
    await reconcileApps({ redis, keys, config: hello.config(), drivers: { docker: driver }, log: silentLogger });
    expect(await bed.frontDoor.route(site)).toEqual(live);
    expect(await page(hello.port)).toContain('hello from release v1');
  });

  it('removes nothing when no container carries the serving token (what serves cannot be told)', async () => {
    const hello = await bed.freshApp();
    await hello.deploy(1); // unfenced, as voxoz made them before tokens
    expect(await driver.reconcile!(hello.spec(), 'production', 99)).toEqual([]);
    expect(await page(hello.port)).toContain('hello from release v1');
  });
});
