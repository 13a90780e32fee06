import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaddyFrontDoor } from '../../src/frontdoor/caddy-front-door.ts';
import { dropIdleSites } from '../../src/frontdoor/drop-idle-sites.ts';
import type { Site } from '../../src/frontdoor/front-door.ts';
import { ensureCaddy, type RunningCaddy } from '../../src/services/caddy.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { isRunning } from '../../src/services/process-info.ts';
import { MIGRATE_SETTING } from '../../src/services/listener-handover.ts';
import { httpOnce } from '../support/http-once.ts';
import { startProbe } from '../support/probe.ts';

// A real caddy (Debian's 2.6) started the way voxoz starts its own, and plain HTTP servers as
// the replicas behind it.
const dir = mkdtempSync(join(tmpdir(), 'vxf-'));
let caddy: RunningCaddy;
const backends: Server[] = [];

async function backend(name: string): Promise<string> {
  const server = createServer((_req, res) => res.end(name)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  backends.push(server);
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const get = httpOnce;

beforeAll(async () => {
  caddy = await ensureCaddy(join(dir, 'caddy'));
});
afterAll(async () => {
  await caddy?.stop();
  for (const s of backends) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Caddy front door', () => {
  it('serves a site on its own address, switches it in one call, and reads back what it routes to', async () => {
    const door = createCaddyFrontDoor(caddy.socket);
    const site: Site = { instance: 'tf', app: 'hello', env: 'production', listen: `127.0.0.1:${await findFreePort()}` };
    const [v1, v2] = [await backend('v1'), await backend('v2')];
    expect(await door.route(site)).toBeUndefined();
    expect(await door.switch(site, [v1], 3)).toBe(true);
    expect(await get(site.listen)).toBe('200 v1');
    expect(await door.route(site)).toEqual({ upstreams: [v1], fence: 3 });
    expect(await door.siteAt(site.listen)).toBe('hello (production)');
    expect(await door.switch(site, [v2], 4)).toBe(true);
    expect(await get(site.listen)).toBe('200 v2');
    expect(await door.route(site)).toEqual({ upstreams: [v2], fence: 4 });
  });

  it('keeps answering through 60 config changes under 200 requests/s, with the listener handover on', async () => {
    // The handover (tcp_migrate_req) moves connections queued on Caddy's old listening socket to
    // the new one. Measured: 1–6 resets per ~4,800 requests with a reload every 100 ms without
    // it, 0 in ~19,000 with it; under a loaded CI machine one reset in ~1,200 was still seen once
    // (docs/decisions/2026-12-03-listener-handover.md), so a rare reset is tolerated here and this
    // stress asserts that the front door keeps serving and routing while its config churns.
    expect(['on', 'switched-on']).toContain(caddy.handover);
    expect(readFileSync(MIGRATE_SETTING, 'utf8').trim()).toBe('1');
    const door = createCaddyFrontDoor(caddy.socket);
    const site: Site = { instance: 'tf', app: 'reloads', env: 'production', listen: `127.0.0.1:${await findFreePort()}` };
    const [a, b] = [await backend('a'), await backend('b')];
    await door.switch(site, [a], 1);
    const probe = startProbe(site.listen, { perSecond: 200, maxMs: 20_000 });
    // Each switch is a whole config load: Caddy binds a new listening socket and closes the old one.
    for (let i = 2; i < 62; i++) {
      await door.switch(site, [i % 2 ? a : b], i);
      await new Promise((r) => setTimeout(r, 100));
    }
    const answers = await probe.stop();
    expect(answers.length).toBeGreaterThan(600);
    const failed = answers.filter((x) => !x.ok);
    expect(failed.length, JSON.stringify(failed.slice(0, 3))).toBeLessThanOrEqual(Math.ceil(answers.length / 200));
    expect(failed.filter((x) => !/ECONNRESET/.test(x.text))).toEqual([]);
    expect(new Set(answers.filter((x) => x.ok).map((x) => x.text))).toEqual(new Set(['200 a', '200 b']));
  });

  it('refuses a switch by an older fencing token and keeps routing where the newer one pointed', async () => {
    const door = createCaddyFrontDoor(caddy.socket);
    const site: Site = { instance: 'tf', app: 'fenced', env: 'production', listen: `127.0.0.1:${await findFreePort()}` };
    const [newer, stale] = [await backend('newer'), await backend('stale')];
    await door.switch(site, [newer], 7);
    expect(await door.switch(site, [stale], 6)).toBe(false);
    expect(await get(site.listen)).toBe('200 newer');
    expect(await door.route(site)).toEqual({ upstreams: [newer], fence: 7 });
  });

  it('a port that something else holds is an error quoting caddy, and the other sites keep serving', async () => {
    const door = createCaddyFrontDoor(caddy.socket);
    const up = await backend('up');
    const serving: Site = { instance: 'tf', app: 'serving', env: 'production', listen: `127.0.0.1:${await findFreePort()}` };
    await door.switch(serving, [up]);
    const squatter = createServer().listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      const taken: Site = { ...serving, app: 'taken', listen: `127.0.0.1:${(squatter.address() as AddressInfo).port}` };
      await expect(door.switch(taken, [up])).rejects.toThrow(/^caddy refused POST .* \(500\): .*address already in use/);
      expect(await door.route(taken)).toBeUndefined();
      expect(await get(serving.listen)).toBe('200 up');
    } finally {
      squatter.close();
    }
  });

  it('a second start adopts the running caddy with its routes; remove stops serving a site', async () => {
    const door = createCaddyFrontDoor(caddy.socket);
    const site: Site = { instance: 'tf', app: 'adopted', env: 'staging', listen: `127.0.0.1:${await findFreePort()}` };
    await door.switch(site, [await backend('kept')]);
    const again = await ensureCaddy(join(dir, 'caddy'));
    expect(again).toMatchObject({ adopted: true, pid: caddy.pid, socket: caddy.socket });
    expect(await get(site.listen)).toBe('200 kept');
    await door.remove(site);
    expect(await door.route(site)).toBeUndefined();
    await expect(httpOnce(site.listen)).rejects.toThrow(/ECONNREFUSED/);
    expect(isRunning(caddy.pid, 'caddy')).toBe(true);
  });

  it('frees the address of a site that serves nothing and that voxoz.yml no longer has; keeps the others', async () => {
    const door = createCaddyFrontDoor(caddy.socket);
    const site = async (instance: string, app: string, env = 'production'): Promise<Site> => ({
      instance,
      app,
      env,
      listen: `127.0.0.1:${await findFreePort()}`,
    });
    const [gone, idleKept, stillServing, otherEnv, otherInstance] = [
      await site('ti', 'gone'),
      await site('ti', 'kept'),
      await site('ti', 'busy'),
      await site('ti', 'kept', 'staging'),
      await site('ti-2', 'gone'),
    ];
    for (const s of [gone, idleKept, otherEnv, otherInstance]) await door.switch(s, []);
    await door.switch(stillServing, [await backend('busy')]);
    expect(await get(gone.listen)).toMatch(/^503/);
    // kept (production) is in voxoz.yml; kept (staging), busy and gone are not; ti-2 is another installation.
    expect(await dropIdleSites(caddy.socket, 'ti', new Set(['kept (production)']))).toEqual(['gone (production)', 'kept (staging)']);
    expect(await door.route(gone)).toBeUndefined();
    await expect(httpOnce(gone.listen)).rejects.toThrow(/ECONNREFUSED/);
    expect(await door.route(otherEnv)).toBeUndefined();
    expect(await door.route(idleKept)).toEqual({ upstreams: [], fence: 0 });
    expect(await get(stillServing.listen)).toBe('200 busy');
    expect(await door.route(otherInstance)).toEqual({ upstreams: [], fence: 0 });
    // Nothing left to free: a second call removes nothing.
    expect(await dropIdleSites(caddy.socket, 'ti', new Set(['kept (production)']))).toEqual([]);
    await door.remove(otherInstance);
  });
});
