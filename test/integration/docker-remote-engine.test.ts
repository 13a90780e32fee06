import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { createDockerDriver } from '../../src/drivers/docker/docker-driver.ts';
import { engineLocation } from '../../src/drivers/docker/engine-location.ts';
import type { Artifact, DeployTarget, Driver } from '../../src/drivers/driver.ts';
import { createCaddyFrontDoor } from '../../src/frontdoor/caddy-front-door.ts';
import { redisDoorLock } from '../../src/frontdoor/door-lock.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { failure, ioFor } from '../support/docker-apps.ts';
import { type NetnsEngine, startNetnsEngine } from '../support/netns-engine.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// A remote engine, stood in for by a private dockerd in a network namespace of its own: its
// containers' 127.0.0.1 is not this process's, so only the engine's own health check can gate.
let engine: NetnsEngine;
let driver: Driver;
const scratch = mkdtempSync(join(tmpdir(), 'vxr-'));
const instance = 'remote';

beforeAll(async () => {
  engine = await startNetnsEngine();
  driver = createDockerDriver({
    docker: engine.docker,
    instance,
    workDir: join(scratch, 'builds'),
    secretValues: () => ({}),
    engine: engineLocation(engine.host, 'remote'),
  });
}, 90_000);
afterAll(async () => {
  await engine?.stop();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

/** An app that starts, says so, and never listens. */
function deafApp(): string {
  const dir = join(scratch, 'deaf');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'Dockerfile'),
    'FROM busybox\nCMD ["/bin/sh", "-c", "echo deaf replica, not listening on $PORT; exec sleep 600"]\n',
  );
  return dir;
}

const target = (release: number, more: Record<string, unknown> = {}, port = 8080): DeployTarget => ({
  app: validateConfig(
    {
      apps: [
        {
          name: 'hello',
          source: { path: HELLO_APP_DIR },
          port,
          replicas: 2,
          drainSeconds: 0,
          health: { timeoutSeconds: 15 },
          ...more,
        },
      ],
    },
    join(scratch, 'voxoz.yml'),
  ).apps[0]!,
  env: 'production',
  release,
  port,
});
const deploy = async (
  release: number,
  more: Record<string, unknown> = {},
  lines: string[] = [],
  controller?: AbortController,
  by: { driver: Driver; port: number } = { driver, port: 8080 },
) => {
  const io = ioFor(lines, controller);
  const t = target(release, more, by.port);
  return by.driver.deploy(t, await by.driver.build(t, undefined, io), io);
};
const portsOf = async (release: number, of = instance) =>
  (await engine.docker.listContainers({ filters: { label: [`voxoz.instance=${of}`, `voxoz.release=${release}`] } })).map((c) =>
    Number(c.Labels['voxoz.port']),
  );

/** What the host's own 127.0.0.1:port answers, or '' when nothing does within 2 s. */
const fetchOnHost = (port: number): Promise<string> =>
  fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.text(),
    () => '',
  );

describe('a remote engine (dockerd in a network namespace of its own)', () => {
  it("goes live once the engine's own health check finds every replica healthy, with nothing switched", async () => {
    const lines: string[] = [];
    // The page names this run, so the host's own loopback (where other tests' replicas may hold
    // the same port number) cannot be mistaken for it.
    const greeting = `remote${process.pid}x${Date.now()}`;
    const outcome = await deploy(1, { env: { GREETING: greeting } }, lines);
    expect(outcome.healthy).toBe(2);
    expect(outcome.address).toBeUndefined();
    expect(outcome.instances.map((i) => [i.release, i.state, i.healthy, i.address])).toEqual([
      [1, 'running', true, undefined],
      [1, 'running', true, undefined],
    ]);
    expect(lines.filter((l) => /^127\.0\.0\.1:\d+\/ \(inside the engine\) is healthy \(the engine's check passed\)$/.test(l))).toHaveLength(
      2,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^v1 is live \(no front door on a remote engine, nothing switched\)/));
    for (const port of await portsOf(1)) {
      expect(await engine.fetchInside(port)).toContain(`${greeting} from release v1`);
      // What a 127.0.0.1 probe from the worker sees: not this replica. The old gate could never pass here.
      expect(await fetchOnHost(port)).not.toContain(greeting);
    }
  });

  it('refuses a release whose health path answers 404, and keeps the old one', async () => {
    const lines: string[] = [];
    const err = await failure(deploy(2, { health: { path: '/missing', timeoutSeconds: 15, graceSeconds: 0, retries: 2 } }, lines));
    expect(err.code).toBe('health_check_failed');
    expect(err.message).toMatch(
      /^v2 failed the engine's health check on 127\.0\.0\.1:\d+\/missing \(inside the engine\) \(expected 2xx\) 2 time\(s\) in a row after its 0s grace \(retries 2\); last check: answered 404$/,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}\| hello v2 listening on 127\.0\.0\.1:\d+$/));
    expect((await driver.status(target(1).app, 'production')).map((i) => [i.release, i.healthy])).toEqual([
      [1, true],
      [1, true],
    ]);
    for (const port of await portsOf(1)) expect(await engine.fetchInside(port)).toContain('release v1');
  });

  it('refuses a release that never listens, with its last log lines, and keeps the old one', async () => {
    const lines: string[] = [];
    const err = await failure(
      deploy(3, { source: { path: deafApp() }, health: { timeoutSeconds: 15, graceSeconds: 1, retries: 2 } }, lines),
    );
    expect(err.code).toBe('health_check_failed');
    expect(err.message).toMatch(/last check: .*Connection refused/);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}\| deaf replica, not listening on \d+$/));
    expect(await portsOf(3)).toEqual([]);
    for (const port of await portsOf(1)) expect(await engine.fetchInside(port)).toContain('release v1');
  });

  it('stops waiting when the job is cancelled and removes what it started', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const started = Date.now();
    const pending = deploy(4, { source: { path: deafApp() }, health: { timeoutSeconds: 60, graceSeconds: 60 } }, lines, controller);
    const waiting = setInterval(() => {
      if (lines.some((l) => l.startsWith('waiting up to 60s'))) controller.abort(new Error('cancelled by the test'));
    }, 100);
    await expect(pending).rejects.toThrow('cancelled by the test');
    clearInterval(waiting);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await portsOf(4)).toEqual([]);
    expect((await driver.status(target(1).app, 'production')).map((i) => i.release)).toEqual([1, 1]);
  });

  it('watches a passed release for health.watchSeconds through the engine: one the engine then finds unhealthy is not made live', async () => {
    const dir = join(scratch, 'turns-404');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'Dockerfile'),
      'FROM busybox\nCMD ["/bin/sh", "-c", "mkdir -p /www; echo up > /www/index.html; httpd -p 127.0.0.1:$PORT -h /www; echo serving, for now; sleep 3; rm /www/index.html; exec sleep 600"]\n',
    );
    const lines: string[] = [];
    const health = { timeoutSeconds: 15, graceSeconds: 0, retries: 2, watchSeconds: 12 };
    const err = await failure(deploy(5, { source: { path: dir }, health }, lines));
    expect(err.code).toBe('health_check_failed');
    expect(err.message).toMatch(
      /^v5 failed the engine's health check \(expected 2xx\) \d+ time\(s\) in a row after passing it, \d+\.\ds into its 12s watch \(health\.watchSeconds\), on 127\.0\.0\.1:\d+\/ \(inside the engine\)$/,
    );
    expect(lines).toContain('v5 passed; watching its 2 replica(s) for 12s: each must keep running and answering before the switch');
    expect(lines).toContain('  | serving, for now');
    expect(lines.some((l) => l.startsWith('v5 is live'))).toBe(false);
    expect(await portsOf(5)).toEqual([]);
    expect((await driver.status(target(1).app, 'production')).map((i) => i.release)).toEqual([1, 1]);
  });

  it("refuses voxoz's front door, which cannot reach the engine's 127.0.0.1", () => {
    expect(() =>
      createDockerDriver({
        docker: engine.docker,
        instance,
        workDir: join(scratch, 'builds'),
        secretValues: () => ({}),
        frontDoor: createCaddyFrontDoor(join(scratch, 'no-caddy.sock')),
        engine: engineLocation('tcp://engine.example:2375'),
      }),
    ).toThrow(
      /^voxoz's front door cannot serve replicas of a remote Docker engine \(engine\.example\): they bind 127\.0\.0\.1 on the engine's host/,
    );
  });
});

describe('the front door of a remote engine, a Caddy container on that engine', () => {
  it('switches the environment address inside the engine from release to release, and a refused release switches nothing', async () => {
    // A port free on this host: that the door does not serve it here is part of the test.
    const port = await findFreePort();
    const withDoor = {
      driver: createDockerDriver({
        docker: engine.docker,
        instance: 'remotefd',
        workDir: join(scratch, 'builds'),
        secretValues: () => ({}),
        frontDoor: 'on-engine',
        engine: engineLocation(engine.host, 'remote'),
      }),
      port,
    };
    const lines: string[] = [];
    const greeting = `door${process.pid}x${Date.now()}`;
    const first = await deploy(1, { env: { GREETING: greeting } }, lines, undefined, withDoor);
    expect(first.address).toBe(`127.0.0.1:${port}`);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^switched 127\\.0\\.0\\.1:${port} to v1 \\(127\\.0\\.0\\.1:\\d+, 127\\.0\\.0\\.1:\\d+\\)$`)),
    );
    // The namespace hands queued connections over (tcp_migrate_req=1, as README asks of a host): nothing to say.
    expect(lines.filter((l) => l.startsWith('note:'))).toEqual([]);
    expect(await engine.fetchInside(port)).toContain(`${greeting} from release v1`);
    expect(await fetchOnHost(port)).not.toContain(greeting);
    // A host that does not: the switch still happens, and the thread says what it may cost and what to set.
    const second: string[] = [];
    engine.setListenerHandover(false);
    try {
      await deploy(2, {}, second, undefined, withDoor);
    } finally {
      engine.setListenerHandover(true);
    }
    expect(second.filter((l) => l.startsWith('note:'))).toEqual([
      "note: on the engine's host, net.ipv4.tcp_migrate_req is 0: a switch of its front door may reset a connection that arrives at that very moment; set it to 1 there (sysctl -w net.ipv4.tcp_migrate_req=1, and a file in /etc/sysctl.d/ to keep it)",
    ]);
    expect(await engine.fetchInside(port)).toContain('release v2');
    expect(await portsOf(1, 'remotefd')).toEqual([]);
    const err = await failure(
      deploy(3, { health: { path: '/missing', timeoutSeconds: 15, graceSeconds: 0, retries: 2 } }, [], undefined, withDoor),
    );
    expect(err.code).toBe('health_check_failed');
    expect(await engine.fetchInside(port)).toContain('release v2');
  });
});

describe('replica ports on one engine, picked by two workers at once', () => {
  it('three apps deployed at once through two drivers (two processes sharing Redis) into a pool that just holds them: six distinct ports, all live', async () => {
    const keys = redisKeys(`ports-${randomBytes(3).toString('hex')}`);
    const clients = [0, 1].map(() => new Redis(inject('redisUrl'), { maxRetriesPerRequest: null }));
    try {
      // The shared pool (frontDoor.replicaPorts), exactly as wide as the three apps' replicas: a port two deploys both took would leave one replica unable to bind.
      const drivers = clients.map((client) =>
        createDockerDriver({
          docker: engine.docker,
          instance: 'ports',
          workDir: join(scratch, 'builds'),
          secretValues: () => ({}),
          engine: engineLocation(engine.host, 'remote'),
          replicaPorts: () => '24100-24105',
          doorLock: redisDoorLock(client, keys.frontDoorLock),
        }),
      );
      const targets = ['pa', 'pb', 'pc'].map((name, i): DeployTarget => {
        const t = target(1, {}, 8080 + i);
        return { ...t, app: { ...t.app, name } };
      });
      // Built first, one after the other, so the three deploys reach for ports at the same moment.
      const artifacts: Artifact[] = [];
      for (const t of targets) artifacts.push(await drivers[0]!.build(t, undefined, ioFor([])));
      const lines: string[][] = targets.map(() => []);
      const outcomes = await Promise.allSettled(targets.map((t, i) => drivers[i % 2]!.deploy(t, artifacts[i]!, ioFor(lines[i]!))));
      expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.healthy : String(o.reason)))).toEqual([2, 2, 2]);
      expect((await portsOf(1, 'ports')).sort()).toEqual([24100, 24101, 24102, 24103, 24104, 24105]);
      // Each lock is let go once the containers are made.
      expect(await clients[0]!.keys(keys.frontDoorLock('*'))).toEqual([]);
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  }, 120_000);
});
