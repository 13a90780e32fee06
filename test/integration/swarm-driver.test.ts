import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import type { TargetSpec } from '../../src/config/target-schema.ts';
import type { DeployTarget, Driver, LogLine } from '../../src/drivers/driver.ts';
import { followEngineLog } from '../../src/drivers/docker/engine-follow.ts';
import { createSwarmDriver } from '../../src/drivers/swarm/swarm-driver.ts';
import { openSwarmLog, swarmRestarted } from '../../src/drivers/swarm/swarm-logs.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { failure, ioFor } from '../support/docker-apps.ts';
import { type NetnsEngine, startNetnsEngine } from '../support/netns-engine.ts';
import { probeInside, uptime } from '../support/netns-probe.ts';
import { labelNode } from '../support/swarm-lab.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// A one-node Swarm on a private dockerd in a network namespace of its own (two nodes: see
// swarm-lab.test.ts): ingress removed, the node labelled zone=a.
// Every request goes to 127.0.0.1 inside that namespace, through nsenter.
let engine: NetnsEngine;
let driver: Driver;
const scratch = mkdtempSync(join(tmpdir(), 'vxs-'));
const instance = 'swarmt';
const PORT = 8080;

const swarmTarget: TargetSpec = {
  name: 'lab',
  kind: 'swarm',
  host: 'unix:///placeholder.sock',
  nodes: [],
  placement: { spread: 'zone', constraints: ['node.labels.zone==a'] },
};

beforeAll(async () => {
  engine = await startNetnsEngine();
  // The private engine runs with live-restore, which swarm mode refuses: switch it off by a reload (as its own stop does).
  const dir = dirname(engine.host.slice('unix://'.length));
  writeFileSync(join(dir, 'daemon.json'), `${JSON.stringify({ 'live-restore': false })}\n`);
  process.kill(Number(readFileSync(join(dir, 'docker.pid'), 'utf8').trim()), 'SIGHUP');
  for (let i = 0; i < 100 && (await engine.docker.info()).LiveRestoreEnabled; i++) await new Promise((r) => setTimeout(r, 100));
  await engine.docker.swarmInit({ AdvertiseAddr: '127.0.0.1', ListenAddr: '127.0.0.1:2377' });
  await engine.docker
    .getNetwork('ingress')
    .remove()
    .catch(() => undefined);
  const [listed] = (await engine.docker.listNodes()) as Array<{ ID: string }>;
  await labelNode(engine.docker, listed!.ID, { zone: 'a' });
  driver = createSwarmDriver({
    docker: engine.docker,
    target: swarmTarget,
    instance,
    workDir: join(scratch, 'builds'),
    secretValues: () => ({}),
    nodeEngines: [engine.docker],
    pollMs: 300,
  });
}, 120_000);

afterAll(async () => {
  await engine?.docker.swarmLeave({ force: true }).catch(() => undefined);
  await engine?.stop();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

/** Reads an async iterable to its end (for the error it ends with). */
const drain = async (lines: AsyncIterable<unknown>) => {
  for await (const _ of lines) void _;
};

function deafApp(): string {
  const dir = join(scratch, 'deaf');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'Dockerfile'),
    'FROM busybox\nCMD ["/bin/sh", "-c", "echo deaf replica, not listening on $PORT; exec sleep 600"]\n',
  );
  return dir;
}

const target = (release: number, more: Record<string, unknown> = {}): DeployTarget => ({
  app: validateConfig(
    {
      apps: [
        {
          name: 'hello',
          source: { path: HELLO_APP_DIR },
          port: PORT,
          replicas: 2,
          drainSeconds: 1,
          health: { timeoutSeconds: 20 },
          ...more,
        },
      ],
    },
    join(scratch, 'voxoz.yml'),
  ).apps[0]!,
  env: 'production',
  release,
  port: PORT,
});

const deploy = async (release: number, more: Record<string, unknown> = {}, lines: string[] = []) => {
  const io = ioFor(lines);
  const t = target(release, more);
  return driver.deploy(t, await driver.build(t, undefined, io), io);
};

describe('Swarm driver (one-node swarm in a namespace)', () => {
  it('deploys v1 as a service with 2 health-gated tasks behind the front door', async () => {
    // On a node whose kernel does not hand a closing listener's queued connections over, the thread says so.
    const lines: string[] = [];
    engine.setListenerHandover(false);
    const out = await deploy(1, {}, lines).finally(() => engine.setListenerHandover(true));
    expect(lines.filter((l) => l.startsWith('note:'))).toEqual([
      expect.stringMatching(/^note: on node \S+, net\.ipv4\.tcp_migrate_req is 0: a switch of its front door may reset a connection/),
    ]);
    expect(out.healthy).toBe(2);
    expect(out.instances.map((i) => i.release)).toEqual([1, 1]);
    expect(await engine.fetchInside(PORT)).toContain('v1');
  }, 120_000);

  it('switches to v2 with no failed request seen from inside the namespace, and removes v1', async () => {
    const probe = probeInside(engine.netns, PORT, { count: 400, seconds: 40 });
    await new Promise((r) => setTimeout(r, 1000));
    // The deploy's lines, stamped on the probe's clock: a failure's message shows where in the deploy it fell.
    const lines: string[] = [];
    const began = uptime();
    const io = { ...ioFor([]), log: (l: string) => lines.push(`${(uptime() - began).toFixed(2)} s: ${l}`) };
    const t = target(2);
    await driver.deploy(t, await driver.build(t, undefined, io), io);
    const { ok, failures } = await probe;
    console.log(`zero-downtime probe: ${ok} answered, ${failures.length} failed`);
    const failed = failures.map((f) => `${(f.at - began).toFixed(2)} s after the deploy began: ${f.text}`);
    expect(failed, lines.join('\n')).toEqual([]);
    expect(lines.filter((l) => l.includes(' s: note:'))).toEqual([]);
    expect(ok).toBeGreaterThan(50);
    expect(await engine.fetchInside(PORT)).toContain('v2');
    const names = ((await engine.docker.listServices()) as Array<{ Spec: { Name: string } }>).map((s) => s.Spec.Name);
    expect(names).toEqual([`${instance}-hello-production-v2`]);
  }, 120_000);

  it('a v3 that never gets healthy: its service is removed, v2 keeps serving, the error carries its log lines', async () => {
    const { message } = await failure(deploy(3, { source: { path: deafApp() }, health: { timeoutSeconds: 8 } }));
    expect(message).toContain('deaf replica, not listening');
    expect(await engine.fetchInside(PORT)).toContain('v2');
    const names = ((await engine.docker.listServices()) as Array<{ Spec: { Name: string } }>).map((s) => s.Spec.Name);
    expect(names).toEqual([`${instance}-hello-production-v2`]);
  }, 120_000);

  it('a v3 that passes and then crashes within health.watchSeconds: its service is removed, v2 keeps serving, the error carries its last words', async () => {
    const dir = join(scratch, 'crash-after-4');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'Dockerfile'),
      'FROM busybox\nCMD ["/bin/sh", "-c", "mkdir -p /www; echo up > /www/index.html; httpd -p 127.0.0.1:$PORT -h /www; sleep 4; echo v3 is giving up; exit 3"]\n',
    );
    const lines: string[] = [];
    const err = await failure(deploy(3, { source: { path: dir }, health: { timeoutSeconds: 20, watchSeconds: 12 } }, lines));
    expect(err.code).toBe('instance_exited');
    expect(err.message).toMatch(
      /^v3's task in slot [12] stopped \(failed: [^)]*\(3\), exit code 3\) after passing its health check, \d+\.\ds into its 12s watch \(health\.watchSeconds\); the old release keeps serving\. Last log lines:\n/,
    );
    expect(err.message.split('\n')).toContain('v3 is giving up');
    expect(lines).toContain('v3 passed; watching its 2 task(s) for 12s: each must keep running before the switch');
    expect(await engine.fetchInside(PORT)).toContain('v2');
    const names = ((await engine.docker.listServices()) as Array<{ Spec: { Name: string } }>).map((s) => s.Spec.Name);
    expect(names).toEqual([`${instance}-hello-production-v2`]);
  }, 120_000);

  it('two more apps at the same release number, deployed at once, each get ports of their own: all three serve', async () => {
    const io = ioFor([]);
    const apps = ['web', 'shop'].map((name, i) => ({ ...target(2, { name, port: PORT + 3 + i }), port: PORT + 3 + i }));
    const built = await Promise.all(apps.map((t) => driver.build(t, undefined, io)));
    const outs = await Promise.all(apps.map((t, i) => driver.deploy(t, built[i]!, io)));
    expect(outs.map((o) => o.healthy)).toEqual([2, 2]);
    for (const port of [PORT, PORT + 3, PORT + 4]) expect(await engine.fetchInside(port)).toContain('v2');
    const bases = ((await engine.docker.listServices()) as Array<{ Spec: { Labels: Record<string, string> } }>).map(
      (s) => s.Spec.Labels['voxoz.port'],
    );
    expect(bases).toHaveLength(3);
    expect(new Set(bases).size).toBe(3);
  }, 120_000);

  it("an environment's own narrow range: its release takes a block of it, and a scale past the block is refused with what to change", async () => {
    const io = ioFor([]);
    const port = PORT + 2;
    const tiny = { ...target(1, { name: 'tiny', port, environments: { production: { replicaPorts: '31000-31005' } } }), port };
    const out = await driver.deploy(tiny, await driver.build(tiny, undefined, io), io);
    // Six ports, two blocks of three: release 1 takes the second (release mod blocks), 31003 on.

    expect(out.instances.map((i) => i.address).sort()).toEqual(['127.0.0.1:31003', '127.0.0.1:31004']);
    expect(await engine.fetchInside(31004)).toContain('v1');
    const artifact = { id: '', name: `${instance}-tiny:production-v1` };
    const { message } = await failure(driver.scale!({ ...tiny, artifact }, 4, io));
    expect(message).toBe(
      'release 1 of tiny (production) has 3 ports, one per replica: it cannot run 4; give the environment a wider "replicaPorts" range in voxoz.yml, then deploy to scale further',
    );
    expect((await driver.status(tiny.app, 'production')).length).toBe(2);
  }, 120_000);

  it('scales 2 → 3 → 1, status per task (node, state, health), logs per task', async () => {
    const t = target(2);
    const artifact = { id: '', name: `${instance}-hello:production-v2` };
    const up = await driver.scale!({ ...t, artifact }, 3, ioFor([]));
    expect(up.healthy).toBe(3);
    const down = await driver.scale!({ ...t, artifact }, 1, ioFor([]));
    expect(down.instances).toHaveLength(1);
    expect(await engine.fetchInside(PORT)).toContain('v2');
    const status = await driver.status(t.app, 'production');
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({ release: 2, state: 'running', healthy: true });
    expect(status[0]!.detail).toMatch(/^node /);
    const lines: LogLine[] = [];
    for await (const l of driver.logs!(t.app, 'production', { tail: 1000 }, ioFor([]))) lines.push(l);
    expect(lines.some((l) => l.stream === 'stdout' && l.text.includes('hello v2 listening'))).toBe(true);
    expect(lines.some((l) => l.stream === 'stderr' && l.text.includes('response:200'))).toBe(true);
  }, 120_000);

  it("logs --follow: the task's new lines as it writes them, through its node's engine and through Swarm's task logs; a cancel ends both", async () => {
    const t = target(2);
    expect(await failure(drain(driver.logs!(t.app, 'production', { tail: 1, replica: 7, followSeconds: 5 }, ioFor([]))))).toEqual({
      code: 'replica_not_found',
      message: 'hello (production) has no running task in slot 7; give --replica one of: 1',
    });
    const cancel = new AbortController();
    const lines: LogLine[] = [];
    const done = (async () => {
      for await (const l of driver.logs!(t.app, 'production', { tail: 1, followSeconds: 60 }, ioFor([], cancel))) lines.push(l);
    })();
    const services = (await engine.docker.listServices()).filter((x) => x.Spec?.Labels?.['voxoz.app'] === 'hello');
    const tasks = await engine.docker.listTasks({ filters: { 'desired-state': ['running'], service: services.map((x) => x.ID) } });
    expect(tasks).toHaveLength(1);
    const bySwarm: LogLine[] = [];
    const replica = { instance: 'by-swarm', replica: 0, release: 2 };
    const open = (stop: AbortSignal) =>
      openSwarmLog(engine.docker, `/tasks/${tasks[0]!.ID}/logs`, { stdout: true, stderr: true, tail: 1 }, stop);
    const swarmDone = followEngineLog(open, replica, 'gone')((l) => bySwarm.push(l), cancel.signal);
    const notFound = (got: LogLine[]) => got.filter((l) => l.stream === 'stderr' && l.text.endsWith('response:404')).length;
    // Both follows have begun once their last line (the backlog, tail 1) came; the requests after it are new lines.
    await waitUntil('both follows to begin', async () => lines.length > 0 && bySwarm.length > 0, 20_000, 50);
    const seen = [notFound(lines), notFound(bySwarm)];
    for (let i = 0; i < 3; i++) expect(await engine.wgetInside(PORT, '/not-here')).toContain('404');
    await waitUntil(
      'the requests in both follows',
      async () => notFound(lines) === seen[0]! + 3 && notFound(bySwarm) === seen[1]! + 3,
      20_000,
      100,
    );
    const began = Date.now();
    cancel.abort('carol');
    await Promise.all([done, swarmDone]);
    expect(Date.now() - began).toBeLessThan(5000);
    expect([...lines, ...bySwarm].filter((l) => l.stream === 'ended')).toEqual([]);
  }, 60_000);

  it('logs --follow goes on with the task Swarm starts in the slot of one that failed', async () => {
    const t = target(2);
    const cancel = new AbortController();
    const lines: LogLine[] = [];
    const done = (async () => {
      for await (const l of driver.logs!(t.app, 'production', { tail: 1, followSeconds: 90 }, ioFor([], cancel))) lines.push(l);
    })();
    await waitUntil('the follow to begin', async () => lines.length > 0, 20_000, 50);
    const services = (await engine.docker.listServices()).filter((x) => x.Spec?.Labels?.['voxoz.app'] === 'hello');
    const [task] = await engine.docker.listTasks({ filters: { 'desired-state': ['running'], service: services.map((x) => x.ID) } });
    // Killed on its engine, the task fails; its restart policy has Swarm start a new one in slot 1.
    await engine.docker.getContainer(task.Status.ContainerStatus.ContainerID).kill();
    const after = () => lines.slice(lines.findIndex((l) => l.stream === 'restarted') + 1);
    await waitUntil(
      "the new task's first lines",
      async () => lines.some((l) => l.stream === 'restarted') && after().some((l) => l.text.includes('hello v2 listening')),
      60_000,
      100,
    );
    expect(lines.filter((l) => l.stream === 'restarted')).toEqual([
      { instance: `${services[0]!.Spec!.Name}.1`, replica: 1, release: 2, stream: 'restarted', text: swarmRestarted(1) },
    ]);
    expect(lines.filter((l) => l.stream === 'ended')).toEqual([]);
    cancel.abort('carol');
    await done;
    await waitUntil('the page again', async () => (await engine.wgetInside(PORT, '/')).includes('v2'), 30_000, 200);
  }, 120_000);

  it("frees the node door's address of an environment scaled to 0 once it is out of the config, not before", async () => {
    const t = target(2);
    const artifact = { id: '', name: `${instance}-hello:production-v2` };
    await driver.scale!({ ...t, artifact }, 0, ioFor([]));
    expect(await engine.wgetInside(PORT)).toContain('503');
    expect(await failure(drain(driver.logs!(t.app, 'production', { tail: 1 }, ioFor([]))))).toEqual({
      code: 'no_replicas',
      message: 'no task of hello (production) is running, so there are no logs to show; "status hello" shows its state',
    });
    expect(await driver.dropIdleSites!(new Set(['hello (production)']))).toEqual([]);
    expect(await engine.wgetInside(PORT)).toContain('503');
    expect(await driver.dropIdleSites!(new Set(['other (production)']))).toEqual(['hello (production)']);
    expect(await engine.wgetInside(PORT)).toContain('Connection refused');
  }, 120_000);

  it('leaves no service or container of voxoz after cleanup', async () => {
    for (const s of (await engine.docker.listServices()) as Array<{ ID: string }>) await engine.docker.getService(s.ID).remove();
    // A task's container may go by itself meanwhile (its service was just removed).
    for (const c of await engine.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`voxoz.instance=${instance}`] }) }))
      await engine.docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        });
    const deadline = Date.now() + 20_000;
    let left = 1;
    while (Date.now() < deadline) {
      left = (await engine.docker.listContainers({ all: true })).length + ((await engine.docker.listServices()) as unknown[]).length;
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(left).toBe(0);
  }, 60_000);
});
