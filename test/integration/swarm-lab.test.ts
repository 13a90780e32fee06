import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import type { TargetSpec } from '../../src/config/target-schema.ts';
import type { Artifact, DeployTarget, Driver, DriverIO, Fence, LogLine } from '../../src/drivers/driver.ts';
import { createSwarmDriver, type SwarmDriverOptions } from '../../src/drivers/swarm/swarm-driver.ts';
import { createEngineFrontDoor } from '../../src/drivers/docker/engine-front-door.ts';
import { siteOf } from '../../src/drivers/docker/point-front-door.ts';
import { failure, ioFor } from '../support/docker-apps.ts';
import { probeInside, uptime } from '../support/netns-probe.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { type SwarmLab, startSwarmLab } from '../support/swarm-lab.ts';

// The Swarm driver on a two-node swarm (test/support/swarm-lab.ts): each node a dockerd in a
// namespace of its own, joined by a veth with 169.254.x addresses, zones a and b, no ingress.
// Every request goes to 127.0.0.1 inside a node's namespace (its front door), through nsenter.
let lab: SwarmLab;
let driver: Driver;
let viaRegistry: Driver;
let options: SwarmDriverOptions;
const scratch = mkdtempSync(join(tmpdir(), 'vxsl-'));
const instance = 'swarmlab';
const PORT = 8080;
const artifacts = new Map<number, Artifact>();
/** IPv4 addresses on the machine's own network before the lab started. */
let rootBefore: string[];

const rootAddresses = () =>
  execFileSync('ip', ['-o', '-4', 'addr'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(/\s+/)[3])
    .filter((a): a is string => !!a);

beforeAll(async () => {
  rootBefore = rootAddresses();
  lab = await startSwarmLab({ registry: true });
  const swarmTarget: TargetSpec = {
    name: 'lab',
    kind: 'swarm',
    host: 'unix:///placeholder.sock',
    nodes: [],
    placement: { spread: 'zone', constraints: [] },
  };
  options = {
    docker: lab.nodes[0].engine.docker,
    target: swarmTarget,
    instance,
    workDir: join(scratch, 'builds'),
    secretValues: () => ({}),
    nodeEngines: lab.nodes.map((n) => n.engine.docker),
    pollMs: 300,
  };
  // Images by save/load into each node's engine (no registry in the target)…
  driver = createSwarmDriver(options);
  // …and by the registry in node 1's namespace, which both engines use over plain HTTP.
  viaRegistry = createSwarmDriver({ ...options, target: { ...swarmTarget, registry: lab.registry } });
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  rmSync(scratch, { recursive: true, force: true });
}, 90_000);

/** A copy of the hello app whose page says "edition 2": tells v2's image from v1's. */
function secondEdition(): string {
  const dir = join(scratch, 'hello2');
  cpSync(HELLO_APP_DIR, dir, { recursive: true });
  const page = join(dir, 'index.html');
  writeFileSync(page, readFileSync(page, 'utf8').replace('</h1>', ' (edition 2)</h1>'));
  return dir;
}

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
          health: { timeoutSeconds: 30 },
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

const deploy = async (release: number, more: Record<string, unknown> = {}) => {
  const io = ioFor([]);
  const t = target(release, more);
  const artifact = await driver.build(t, undefined, io);
  artifacts.set(release, artifact);
  return driver.deploy(t, artifact, io);
};

/** The page node i's front door serves (inside its namespace), or undefined. */
const page = (i: 0 | 1) => lab.nodes[i].engine.fetchInside(PORT);

/** Probes both nodes' doors from a second before `during` until a second after it (at most `seconds`). */
type Probe = { ok: number; failed: string[] };
let probeRound = 0;
async function probeBoth(during: () => Promise<unknown>, seconds: number): Promise<[Probe, Probe]> {
  const stopFile = join(scratch, `probe-stop-${++probeRound}`);
  const began = uptime();
  const probes = lab.nodes.map((n) => probeInside(n.engine.netns, PORT, { seconds, stopFile }));
  await new Promise((r) => setTimeout(r, 1000));
  try {
    await during();
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    writeFileSync(stopFile, '');
  }
  const done = await Promise.all(probes);
  const [a, b] = done.map(({ ok, failures }) => ({ ok, failed: failures.map((f) => `${(f.at - began).toFixed(2)} s in: ${f.text}`) }));
  return [a!, b!];
}

/** Tasks per zone, from status (detail `node <hostname> zone=<z>`). */
async function zonesOfTasks(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const i of await driver.status(target(0).app, 'production')) {
    const zone = /zone=(\w+)/.exec(i.detail ?? '')?.[1] ?? '?';
    out[zone] = (out[zone] ?? 0) + 1;
  }
  return out;
}

const serviceNames = async () =>
  ((await lab.nodes[0].engine.docker.listServices()) as Array<{ Spec: { Name: string } }>).map((s) => s.Spec.Name).sort();

describe('Swarm driver on a two-node swarm lab (two namespaces, a veth, zones a and b)', () => {
  it('the lab: two ready nodes over 169.254.x, no ingress, no new address on the machine’s own network', async () => {
    const nodes = (await lab.nodes[0].engine.docker.listNodes()) as Array<{
      Status: { State: string; Addr: string };
      Spec: { Labels: Record<string, string> };
    }>;
    expect(nodes.map((n) => [n.Status.State, n.Status.Addr, n.Spec.Labels.zone]).sort()).toEqual(
      lab.nodes.map((n) => ['ready', n.address, n.zone]),
    );
    expect(lab.nodes.every((n) => n.address.startsWith('169.254.'))).toBe(true);
    const nets = await lab.nodes[0].engine.docker.listNetworks();
    expect(nets.map((n) => n.Name)).not.toContain('ingress');
    // docker_gwbridge (172.x) may exist, but only inside the nodes' namespaces.
    for (const n of lab.nodes) {
      const inside = execFileSync('nsenter', [`--net=/run/netns/${n.engine.netns}`, 'ip', '-o', '-4', 'addr'], { encoding: 'utf8' });
      expect(inside).toContain(`${n.address}/24`);
      console.log(
        `node ${n.zone} (${n.engine.netns}): ${inside
          .split('\n')
          .flatMap((l) => l.split(/\s+/).slice(1, 4).join(' ') || [])
          .join('; ')}`,
      );
    }
    const added = rootAddresses().filter((a) => !rootBefore.includes(a));
    expect(added).toEqual([]);
    expect(rootAddresses().filter((a) => /^172\./.test(a))).toEqual(rootBefore.filter((a) => /^172\./.test(a)));
  });

  it('deploys v1 with 2 replicas: one task in each zone, each node’s door serves it', async () => {
    const out = await deploy(1);
    expect(out.healthy).toBe(2);
    expect(await zonesOfTasks()).toEqual({ a: 1, b: 1 });
    expect(await page(0)).toContain('from release v1');
    expect(await page(1)).toContain('from release v1');
  }, 120_000);

  it('switches to v2 with no failed request at either node’s door, and removes v1', async () => {
    const [a, b] = await probeBoth(() => deploy(2, { source: { path: secondEdition() } }), 60);
    console.log(`switch v1 → v2: zone a ${a.ok} answered ${a.failed.length} failed, zone b ${b.ok} answered ${b.failed.length} failed`);
    expect([...a.failed, ...b.failed]).toEqual([]);
    expect(Math.min(a.ok, b.ok)).toBeGreaterThan(50);
    expect(await page(0)).toContain('v2 (edition 2)');
    expect(await page(1)).toContain('v2 (edition 2)');
    expect(await serviceNames()).toEqual([`${instance}-hello-production-v2`]);
    expect(await zonesOfTasks()).toEqual({ a: 1, b: 1 });
  }, 120_000);

  it('a v3 that never gets healthy: its service is removed, v2 keeps serving on both nodes', async () => {
    const { message } = await failure(deploy(3, { source: { path: deafApp() }, health: { timeoutSeconds: 10 } }));
    expect(message).toContain('deaf replica, not listening');
    expect(await page(0)).toContain('v2 (edition 2)');
    expect(await page(1)).toContain('v2 (edition 2)');
    expect(await serviceNames()).toEqual([`${instance}-hello-production-v2`]);
  }, 120_000);

  it('scales 2 → 4 → 2, evenly over the zones each time, both doors serving', async () => {
    const t = { ...target(2), artifact: artifacts.get(2)! };
    const up = await driver.scale!(t, 4, ioFor([]));
    expect(up.healthy).toBe(4);
    expect(await zonesOfTasks()).toEqual({ a: 2, b: 2 });
    // Swarm picks the tasks that go; the doors must follow the ones it keeps (the door retries a refused dial on another task).
    const [a, b] = await probeBoth(() => driver.scale!(t, 2, ioFor([])), 40);
    const kept = (await driver.status(t.app, 'production')).map((i) => `${i.name.split('.').at(-1)} (${i.detail})`);
    console.log(
      `scale 4 → 2: zone a ${a.ok} answered ${a.failed.length} failed, zone b ${b.ok} answered ${b.failed.length} failed; slots kept: ${kept.join(', ')}`,
    );
    expect([...a.failed, ...b.failed]).toEqual([]);
    expect(Math.min(a.ok, b.ok)).toBeGreaterThan(10);
    expect(await zonesOfTasks()).toEqual({ a: 1, b: 1 });
    expect(await page(0)).toContain('v2 (edition 2)');
    expect(await page(1)).toContain('v2 (edition 2)');
  }, 120_000);

  it('a scale whose lock was taken meanwhile changes nothing (superseded)', async () => {
    const t = { ...target(2), artifact: artifacts.get(2)! };
    const stale: Fence = { token: 1, isNewest: async () => false, live: async () => undefined, claimLive: async () => false };
    const { code } = await failure(driver.scale!(t, 4, ioFor([], new AbortController(), stale)));
    expect(code).toBe('superseded');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await zonesOfTasks()).toEqual({ a: 1, b: 1 });
  }, 60_000);

  it('scales 2 → 1 → 0 → 2: the node left with no task has its door emptied (503 at once), not aimed at a task that is gone', async () => {
    const t = { ...target(2), artifact: artifacts.get(2)! };
    const site = siteOf(instance, 'hello', 'production', PORT);
    const routes = () => Promise.all(lab.nodes.map((n) => createEngineFrontDoor(n.engine.docker, instance).route(site)));

    expect((await driver.scale!(t, 1, ioFor([]))).healthy).toBe(1);
    const zones = await zonesOfTasks();
    expect(Object.values(zones)).toEqual([1]);
    const [r0, r1] = await routes();
    for (const [i, route] of [r0, r1].entries()) {
      const served = zones[lab.nodes[i]!.zone] === 1;
      expect(route?.upstreams, `node ${lab.nodes[i]!.zone}`).toHaveLength(served ? 1 : 0);
      if (served) expect(await page(i as 0 | 1)).toContain('v2 (edition 2)');
      else expect(await page(i as 0 | 1)).toBeUndefined();
    }

    await driver.scale!(t, 0, ioFor([]));
    expect((await routes()).map((r) => r?.upstreams)).toEqual([[], []]);
    expect(await page(0)).toBeUndefined();
    expect(await page(1)).toBeUndefined();

    expect((await driver.scale!(t, 2, ioFor([]))).healthy).toBe(2);
    expect(await zonesOfTasks()).toEqual({ a: 1, b: 1 });
    expect((await routes()).map((r) => r?.upstreams.length)).toEqual([1, 1]);
    expect(await page(0)).toContain('v2 (edition 2)');
    expect(await page(1)).toContain('v2 (edition 2)');
  }, 120_000);

  it('rolls back to v1’s image as v4: both doors serve it, v2 is gone', async () => {
    const out = await driver.deploy(target(4), artifacts.get(1)!, ioFor([]));
    expect(out.healthy).toBe(2);
    expect(await zonesOfTasks()).toEqual({ a: 1, b: 1 });
    for (const i of [0, 1] as const) {
      const body = await page(i);
      expect(body).toContain('from release v4');
      expect(body).not.toContain('edition 2');
    }
    expect(await serviceNames()).toEqual([`${instance}-hello-production-v4`]);
  }, 120_000);

  it('logs: each task’s lines through its own node’s engine, one task per zone', async () => {
    const lines: LogLine[] = [];
    for await (const l of driver.logs!(target(4).app, 'production', { tail: 1000 }, ioFor([]))) lines.push(l);
    const starts = lines.filter((l) => l.stream === 'stdout' && l.text.includes('hello v4 listening'));
    expect(new Set(starts.map((l) => l.instance)).size).toBe(2);
    expect(lines.some((l) => l.stream === 'stderr' && l.text.includes('response:200'))).toBe(true);
  }, 60_000);

  it('with a registry in the target: v5 is pushed from the manager and pulled by node 2 over the veth', async () => {
    const t = target(5);
    const io = ioFor([]);
    const out = await viaRegistry.deploy(t, await viaRegistry.build(t, undefined, io), io);
    expect(out.healthy).toBe(2);
    expect(await zonesOfTasks()).toEqual({ a: 1, b: 1 });
    const ref = `${lab.registry}/${instance}-hello:production-v5`;
    const inspect = (await lab.nodes[0].engine.docker.getService(`${instance}-hello-production-v5`).inspect()) as {
      Spec: { TaskTemplate: { ContainerSpec: { Image: string } } };
    };
    expect(inspect.Spec.TaskTemplate.ContainerSpec.Image).toContain(ref);
    const pulled = await lab.nodes[1].engine.docker.listImages({ filters: JSON.stringify({ reference: [ref] }) });
    expect(pulled).toHaveLength(1);
    expect(await page(1)).toContain('from release v5');
  }, 120_000);

  it("node 2's engine stops answering (paused): v6 runs on node 1 alone and the thread says why; once it answers, the reconciler points its door again", async () => {
    const site = siteOf(instance, 'hello', 'production', PORT);
    const t = target(6);
    const artifact = await driver.build(t, undefined, ioFor([]));
    const fence: Fence = { token: 6, isNewest: async () => true, live: async () => 6, claimLive: async () => true };
    // Nodes get 2 s to answer here (3 s by default), far less than Swarm takes to count a silent node as down (heartbeats every 5 s):
    // the deploy meets node 2 still "ready" to Swarm. Its first use (reading logs) learns both nodes.
    const quick = createSwarmDriver({ ...options, nodeAnswerMs: 2000 });
    for await (const _ of quick.logs!(t.app, 'production', { tail: 1 }, ioFor([]))) void _;
    const lines: string[] = [];
    lab.nodes[1].engine.pause();
    try {
      const out = await quick.deploy(t, artifact, ioFor(lines, new AbortController(), fence));
      expect(out.healthy).toBe(2);
      expect(await page(0)).toContain('from release v6');
    } finally {
      lab.nodes[1].engine.resume();
    }
    expect(await zonesOfTasks()).toEqual({ a: 2 });
    // Kept off node 2 by a constraint: no task of v6 was ever placed there (Swarm keeps the history of a service's tasks).
    const v6 = lab.nodes[0].engine.docker.getService(`${instance}-hello-production-v6`);
    const spec = (await v6.inspect()) as { ID: string; Spec: { TaskTemplate: { Placement?: { Constraints?: string[] } } } };
    expect(spec.Spec.TaskTemplate.Placement?.Constraints).toContain(`node.id!=${lab.nodes[1].id}`);
    const tasks = (await lab.nodes[0].engine.docker.listTasks({ filters: JSON.stringify({ service: [spec.ID] }) })) as Array<{
      NodeID?: string;
    }>;
    expect(new Set(tasks.map((x) => x.NodeID))).toEqual(new Set([lab.nodes[0].id]));
    const said = lines.filter((l) => l.startsWith('node ') || l.startsWith('Swarm '));
    expect(said).toEqual([
      expect.stringMatching(
        /^node \S+ did not answer \(no answer within 2 s\): the deploy of v6 goes on without it \(no image is loaded there, its front door is not switched\); the reconciler points that door again within a minute of its answering$/,
      ),
      expect.stringMatching(
        /^Swarm still counts \S+ as ready: v6's tasks are kept off it \(a task there would get no image and no front door\) until the next deploy$/,
      ),
    ]);
    // Node 2's door was left routing to v5, whose service is gone; back, the reconciler empties it (503 at once), fenced by v6.
    const door2 = createEngineFrontDoor(lab.nodes[1].engine.docker, instance);
    expect((await door2.route(site))?.fence).not.toBe(6);
    expect(await quick.reconcile!(t.app, 'production', 6)).toEqual([]);
    expect(await door2.route(site)).toEqual({ upstreams: [], fence: 6 });
    expect(await lab.nodes[1].engine.wgetInside(PORT)).toContain('503');
    expect(await page(0)).toContain('from release v6');
  }, 120_000);

  it('a takeover of a deploy whose worker died right after the switch finishes it: the same service and tasks, no failed request', async () => {
    const t = target(7);
    const artifact = await driver.build(t, undefined, ioFor([]));
    let live = 6;
    const fence: Fence = {
      token: 7,
      isNewest: async () => true,
      live: async () => live,
      claimLive: async () => {
        live = 7;
        return true;
      },
    };
    // The first attempt's worker dies at the switch checkpoint (the crash hook kills it there; here nothing after it runs).
    const first: DriverIO = {
      ...ioFor([], new AbortController(), fence),
      checkpoint: (step) => {
        if (step === 'switch') throw new Error('the worker was killed at the switch');
      },
    };
    await expect(driver.deploy(t, artifact, first)).rejects.toThrow('the worker was killed at the switch');
    const manager = lab.nodes[0].engine.docker;
    const serviceOf = async (release: number) =>
      (
        (await manager.listServices({
          filters: JSON.stringify({ label: [`voxoz.instance=${instance}`, `voxoz.release=${release}`] }),
        })) as Array<{ ID: string }>
      ).map((x) => x.ID);
    const [v7] = await serviceOf(7);
    const tasksOfV7 = async () =>
      ((await manager.listTasks({ filters: JSON.stringify({ service: [v7!] }) })) as Array<{ ID: string }>).map((x) => x.ID).sort();
    const tasksBefore = await tasksOfV7();
    expect(await serviceOf(6)).toHaveLength(1);
    // The takeover, with both doors probed all along.
    const lines: string[] = [];
    let healthy = 0;
    const [a, b] = await probeBoth(async () => {
      healthy = (await driver.deploy(t, artifact, ioFor(lines, new AbortController(), fence))).healthy;
    }, 60);
    expect(a.failed).toEqual([]);
    expect(b.failed).toEqual([]);
    expect(a.ok + b.ok).toBeGreaterThan(10);
    expect(healthy).toBe(2);
    expect(lines).toContainEqual(
      'v7 went live in an earlier attempt of this job (its worker stopped after the switch); finishing from there',
    );
    expect(lines).toContainEqual(`removed ${instance}-hello-production-v6`);
    expect(await serviceOf(7)).toEqual([v7]);
    expect(await tasksOfV7()).toEqual(tasksBefore);
    expect(await serviceOf(6)).toEqual([]);
    expect(await page(0)).toContain('from release v7');
    expect(await page(1)).toContain('from release v7');
  }, 120_000);

  it('abandoning the last release removes its service and both front doors: nothing of voxoz is left', async () => {
    const io = ioFor([]);
    expect(await driver.abandon!(target(7), undefined, io)).toBe('removed');
    const deadline = Date.now() + 30_000;
    let left: number[] = [];
    while (Date.now() < deadline) {
      left = [((await lab.nodes[0].engine.docker.listServices()) as unknown[]).length];
      for (const n of lab.nodes) left.push((await n.engine.docker.listContainers({ all: true })).length);
      if (left.every((x) => x === 0)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(left).toEqual([0, 0, 0]);
    expect(await page(0)).toBeUndefined();
    expect(await page(1)).toBeUndefined();
  }, 60_000);
});
