import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { createEngineFrontDoor } from '../../src/drivers/docker/engine-front-door.ts';
import { redisDoorLock } from '../../src/frontdoor/door-lock.ts';
import { onDoorMade } from '../../src/frontdoor/door-made.ts';
import type { FrontDoor, Site } from '../../src/frontdoor/front-door.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { type NetnsEngine, startNetnsEngine } from '../support/netns-engine.ts';

// The front door on a remote engine is a Caddy whose whole config voxoz reads, changes and loads
// again: two changes at once (two apps deployed together, two workers reaching one engine) must
// take turns, or the later load drops what the earlier one added.
let engine: NetnsEngine;
const clients: Redis[] = [];
const redis = () => {
  const r = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  clients.push(r);
  return r;
};
const keys = redisKeys(`doors-${randomBytes(3).toString('hex')}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  engine = await startNetnsEngine();
}, 90_000);
afterAll(async () => {
  await engine?.stop();
  await Promise.all(clients.map((c) => c.quit()));
}, 60_000);

const siteOf = (instance: string, app: string, port: number): Site => ({ instance, app, env: 'production', listen: `127.0.0.1:${port}` });

/** Four sites switched at once through `doors` in turn, while `gone` is removed: what each route reads afterwards. */
async function together(doors: FrontDoor[], instance: string, base: number) {
  const gone = siteOf(instance, 'gone', base);
  await doors[0]!.switch(gone, [`127.0.0.1:${base + 10000}`]);
  const sites = ['one', 'two', 'three', 'four'].map((app, i) => siteOf(instance, app, base + 1 + i));
  await Promise.all([
    ...sites.map((s, i) => doors[i % doors.length]!.switch(s, [`127.0.0.1:${base + 10001 + i}`], 1)),
    doors[1 % doors.length]!.remove(gone),
  ]);
  return { kept: await Promise.all(sites.map((s) => doors[0]!.route(s))), gone: await doors[0]!.route(gone) };
}

describe('changes of the front door on an engine take turns', () => {
  it("two doors of one process (no lock given: the process' own): four switches and a remove at once lose nothing", async () => {
    const { kept, gone } = await together(
      [createEngineFrontDoor(engine.docker, 'one'), createEngineFrontDoor(engine.docker, 'one')],
      'one',
      18000,
    );
    expect(kept.map((r) => r?.upstreams)).toEqual([['127.0.0.1:28001'], ['127.0.0.1:28002'], ['127.0.0.1:28003'], ['127.0.0.1:28004']]);
    expect(gone).toBeUndefined();
  }, 120_000);

  it('doors of two processes (each its own Redis client and lock) lose nothing either', async () => {
    const doors = [0, 1].map(() => createEngineFrontDoor(engine.docker, 'two', {}, redisDoorLock(redis(), keys.frontDoorLock)));
    const { kept, gone } = await together(doors, 'two', 18100);
    expect(kept.map((r) => r?.upstreams)).toEqual([['127.0.0.1:28101'], ['127.0.0.1:28102'], ['127.0.0.1:28103'], ['127.0.0.1:28104']]);
    expect(gone).toBeUndefined();
    // The lock is let go after each change.
    expect(await redis().keys(keys.frontDoorLock('*'))).toEqual([]);
  }, 120_000);
});

describe('freeing the addresses of app environments taken out of voxoz.yml', () => {
  it('removes only the sites of this installation that serve nothing and are not configured', async () => {
    const door = createEngineFrontDoor(engine.docker, 'tidy');
    const other = createEngineFrontDoor(engine.docker, 'other');
    await door.switch(siteOf('tidy', 'kept', 18201), []);
    await door.switch(siteOf('tidy', 'idle', 18202), []);
    await door.switch(siteOf('tidy', 'busy', 18203), ['127.0.0.1:28203']);
    await other.switch(siteOf('other', 'idle', 18204), []);
    expect(await door.dropIdle!('tidy', new Set(['kept (production)']))).toEqual(['idle (production)']);
    expect(await door.route(siteOf('tidy', 'idle', 18202))).toBeUndefined();
    expect(await door.route(siteOf('tidy', 'kept', 18201))).toEqual({ upstreams: [], fence: 0 });
    expect((await door.route(siteOf('tidy', 'busy', 18203)))?.upstreams).toEqual(['127.0.0.1:28203']);
    expect(await other.route(siteOf('other', 'idle', 18204))).toEqual({ upstreams: [], fence: 0 });
    expect(await engine.wgetInside(18202)).toContain('Connection refused');
    expect(await engine.wgetInside(18201)).toContain('503');
    expect(await door.dropIdle!('tidy', new Set(['kept (production)']))).toEqual([]);
  }, 120_000);

  it('makes no front door on an engine that has none', async () => {
    expect(await createEngineFrontDoor(engine.docker, 'never').dropIdle!('never', new Set())).toEqual([]);
    expect(await engine.docker.listContainers({ all: true, filters: JSON.stringify({ name: ['never-frontdoor'] }) })).toEqual([]);
  });
});

describe('a front door changed under voxoz', () => {
  it('stopped by hand: the next change starts it again, its sites kept; removed by hand: the next change makes a new one, and says so', async () => {
    const heard: string[] = [];
    const stopHearing = onDoorMade((name) => heard.push(name));
    onTestFinished(() => void stopHearing());
    const door = createEngineFrontDoor(engine.docker, 'hand');
    await door.switch(siteOf('hand', 'a', 18301), [], 1);
    // Made on first use: it has no site but the one being switched.
    expect(heard).toEqual(['hand-frontdoor']);
    const made = engine.docker.getContainer('hand-frontdoor');
    await made.stop({ t: 0 });
    expect(await engine.wgetInside(18301)).toContain('Connection refused');
    await door.switch(siteOf('hand', 'b', 18302), []);
    expect((await made.inspect()).State.Running).toBe(true);
    // Started again, not made: its sites are still there, nothing to say.
    expect(heard).toEqual(['hand-frontdoor']);
    expect(await door.route(siteOf('hand', 'a', 18301))).toEqual({ upstreams: [], fence: 1 });
    // A site with no replica answers 503, where a missing one would refuse the connection.
    expect(await engine.wgetInside(18301)).toContain('503');

    await made.remove({ force: true });
    await door.switch(siteOf('hand', 'c', 18303), []);
    expect((await engine.docker.getContainer('hand-frontdoor').inspect()).State.Running).toBe(true);
    expect(await engine.wgetInside(18303)).toContain('503');
    // A new door starts with no site; the worker pool hears that it was made and points each environment again (worker-pool.ts).
    expect(await door.route(siteOf('hand', 'a', 18301))).toBeUndefined();
    expect(heard).toEqual(['hand-frontdoor', 'hand-frontdoor']);
    expect(await door.handoverWarning!()).toBeUndefined();
  }, 120_000);
});

describe('the door lock in Redis', () => {
  it('lets one change run at a time across processes, renewing its lease while a change outlasts it', async () => {
    const locks = [0, 1].map(() => redisDoorLock(redis(), keys.frontDoorLock, { leaseMs: 600 }));
    let running = 0;
    let most = 0;
    const ran: string[] = [];
    const change = (name: string, ms: number) => async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(ms);
      running -= 1;
      ran.push(name);
      return name;
    };
    const answers = await Promise.all([
      locks[0]!('door-a', change('long', 2000)),
      sleep(20).then(() => locks[1]!('door-a', change('b1', 30))),
      sleep(20).then(() => locks[1]!('door-a', change('b2', 30))),
      locks[0]!('door-a', change('a2', 30)),
    ]);
    expect(answers).toEqual(['long', 'b1', 'b2', 'a2']);
    // One at a time, the long one first and alone past its lease (600 ms): it was renewed.
    expect(most).toBe(1);
    expect(ran[0]).toBe('long');
    expect([...ran].sort()).toEqual(['a2', 'b1', 'b2', 'long']);
  }, 20_000);

  it("waits out a dead holder's lease, and says so clearly when the door stays taken past its wait", async () => {
    const r = redis();
    await r.set(keys.frontDoorLock('door-b'), 'a dead process', 'PX', 400);
    const started = Date.now();
    expect(await redisDoorLock(redis(), keys.frontDoorLock)('door-b', async () => Date.now() - started)).toBeGreaterThanOrEqual(300);

    await r.set(keys.frontDoorLock('door-c'), 'another process', 'PX', 5000);
    let ran = false;
    await expect(
      redisDoorLock(redis(), keys.frontDoorLock, { waitMs: 300 })('door-c', async () => {
        ran = true;
      }),
    ).rejects.toThrow(
      /^the front door door-c is being changed by another voxoz process and was not free within 0 s \(its lock: Redis key .*door-lock:door-c\); nothing was changed, try again$/,
    );
    expect(ran).toBe(false);
    expect(await r.get(keys.frontDoorLock('door-c'))).toBe('another process');
  }, 20_000);

  it("a change that lost its lease does not delete the next holder's lock; a failed change lets go too", async () => {
    const r = redis();
    const lock = redisDoorLock(redis(), keys.frontDoorLock);
    await lock('door-d', async () => {
      await r.set(keys.frontDoorLock('door-d'), 'the next holder');
    });
    expect(await r.get(keys.frontDoorLock('door-d'))).toBe('the next holder');
    await expect(lock('door-e', async () => Promise.reject(new Error('caddy refused')))).rejects.toThrow('caddy refused');
    expect(await r.exists(keys.frontDoorLock('door-e'))).toBe(0);
    expect(await lock('door-e', async () => 'after')).toBe('after');
  }, 20_000);
});
