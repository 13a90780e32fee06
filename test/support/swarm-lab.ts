import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { isRunning, stopProcess } from '../../src/services/process-info.ts';
import { spawnDetached } from '../../src/services/spawn-detached.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { type NetnsEngine, startNetnsEngine } from './netns-engine.ts';
import { updateAtVersion } from '../../src/drivers/swarm/versioned-update.ts';

export interface SwarmLabNode {
  engine: NetnsEngine;
  /** Its link-local address on the veth (169.254.x.1 or .2): the only way to the other node. */
  address: string;
  /** Its Swarm node id. */
  id: string;
  /** Its label `zone` (a, b). */
  zone: string;
}

export interface SwarmLab {
  /** Node 1 (the manager, zone a) and node 2 (a worker, zone b). */
  nodes: [SwarmLabNode, SwarmLabNode];
  /** host:port of the registry inside node 1's namespace, when asked for; both engines use it over plain HTTP. */
  registry?: string;
  /** Leaves the swarm, stops the registry and both engines, unmounts, deletes the namespaces (and so the veth) and folders; safe to call twice. */
  stop(): Promise<void>;
}

const nsenter = (netns: string, ...cmd: string[]) => execFileSync('nsenter', [`--net=/run/netns/${netns}`, ...cmd], { stdio: 'pipe' });

/**
 * A two-node Docker Swarm on this machine with nothing on its own network: each node a private
 * dockerd (live-restore off) in a network namespace of its own (test/support/netns-engine.ts),
 * the two joined by a veth pair made directly inside them with 169.254.x.1/.2/24. Node 1
 * inits the swarm on its veth address, node 2 joins it with the worker token, `ingress` is
 * removed (no routing mesh), the nodes are labelled zone=a / zone=b. docker_gwbridge, if the
 * engines make it, is made inside the namespaces. With `registry`, Debian's docker-registry
 * runs in node 1's namespace on 169.254.x.1:5000 (filesystem storage in the lab's folder).
 * Images: busybox and the front door's are imported into each engine by the code that needs
 * them; the rest goes through the registry or save/load. Needs root, iproute2, util-linux, docker.io.
 */
export async function startSwarmLab(opts: { registry?: boolean } = {}): Promise<SwarmLab> {
  const x = randomInt(1, 254);
  const [addrA, addrB] = [`169.254.${x}.1`, `169.254.${x}.2`];
  const registry = opts.registry ? `${addrA}:5000` : undefined;
  const dir = mkdtempSync('/tmp/vxw-');
  const engines: NetnsEngine[] = [];
  let registryPid: number | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const errors: unknown[] = [];
    // The worker leaves first, then the manager (the last manager must force).
    for (const e of [...engines].reverse()) await e.docker.swarmLeave({ force: true }).catch(() => undefined);
    if (registryPid !== undefined && isRunning(registryPid, 'docker-registry'))
      await stopProcess(registryPid, 'docker-registry', 5000).catch((err) => errors.push(err));
    // Each engine's stop unmounts what it left and deletes its namespace, and with it its end of the veth (the pair goes with it).
    for (const e of engines) await e.stop().catch((err) => errors.push(err));
    rmSync(dir, { recursive: true, force: true });
    if (errors.length > 0) throw new AggregateError(errors, 'the swarm lab did not stop cleanly');
  };
  try {
    engines.push(
      ...(await Promise.all(
        [0, 1].map(() => startNetnsEngine({ liveRestore: false, insecureRegistries: registry ? [registry] : [], prefix: '/tmp/vxw-' })),
      )),
    );
    const [e1, e2] = engines as [NetnsEngine, NetnsEngine];
    // Both ends are created inside the namespaces: the pair never appears on the machine's own network.
    const tag = randomBytes(3).toString('hex');
    const [vethA, vethB] = [`vw${tag}a`, `vw${tag}b`];
    execFileSync('ip', ['link', 'add', vethA, 'netns', e1.netns, 'type', 'veth', 'peer', 'name', vethB, 'netns', e2.netns]);
    for (const [netns, dev, addr] of [
      [e1.netns, vethA, addrA],
      [e2.netns, vethB, addrB],
    ] as const) {
      nsenter(netns, 'ip', 'addr', 'add', `${addr}/24`, 'dev', dev);
      nsenter(netns, 'ip', 'link', 'set', dev, 'up');
    }
    if (registry) registryPid = await startRegistry(dir, e1.netns, registry);
    await e1.docker.swarmInit({ AdvertiseAddr: addrA, ListenAddr: `${addrA}:2377` });
    await removeIngress(e1);
    const token = ((await e1.docker.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
    await e2.docker.swarmJoin({ ListenAddr: `${addrB}:2377`, AdvertiseAddr: addrB, RemoteAddrs: [`${addrA}:2377`], JoinToken: token });
    const ids = [(await e1.docker.info()).Swarm.NodeID as string, (await e2.docker.info()).Swarm.NodeID as string];
    type NodeInfo = { ID: string; Status?: { State?: string } };
    await waitUntil(
      'both swarm nodes ready',
      async () =>
        ((await e1.docker.listNodes()) as NodeInfo[]).filter((n) => ids.includes(n.ID) && n.Status?.State === 'ready').length === 2,
      30_000,
      200,
    );
    const zones = ['a', 'b'];
    for (const [i, id] of ids.entries()) await labelNode(e1.docker, id, { zone: zones[i]! });
    if (await hasIngress(e1)) throw new Error('the ingress network came back: the lab must not use the routing mesh');
    const nodes = [e1, e2].map((engine, i) => ({ engine, address: i === 0 ? addrA : addrB, id: ids[i]!, zone: zones[i]! }));
    return { nodes: nodes as [SwarmLabNode, SwarmLabNode], ...(registry ? { registry } : {}), stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/**
 * Puts `labels` on a swarm node (in place of its labels). Swarm changes a node itself just after
 * `swarm init` or a join, so the labels go on at its latest version (updateAtVersion).
 */
export async function labelNode(docker: Docker, nodeId: string, labels: Record<string, string>): Promise<void> {
  const node = docker.getNode(nodeId);
  await updateAtVersion(
    async () => (await node.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> },
    (current) => node.update({ ...current.Spec, version: current.Version.Index, Labels: labels } as never),
  );
}

const hasIngress = async (e: NetnsEngine) =>
  (await e.docker.listNetworks({ filters: JSON.stringify({ name: ['ingress'] }) })).some((n) => n.Name === 'ingress');

/** The manager makes `ingress` shortly after init: waits for it (at most 10 s) and removes it, retrying while the engine still holds it. */
async function removeIngress(e: NetnsEngine): Promise<void> {
  let seen = false;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await hasIngress(e)) {
      seen = true;
      await e.docker
        .getNetwork('ingress')
        .remove()
        .catch(() => undefined);
    } else if (seen || Date.now() > deadline - 10_000) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('could not remove the ingress network within 20 s');
}

/** Debian's docker-registry in `netns`, listening on `addr` (host:port), storing under `dir`; its pid once /v2/ answers. */
async function startRegistry(dir: string, netns: string, addr: string): Promise<number> {
  const config = join(dir, 'registry.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: warn }',
      'storage:',
      `  filesystem: { rootdirectory: ${join(dir, 'registry')} }`,
      '  delete: { enabled: true }',
      'http:',
      `  addr: ${addr}`,
      '',
    ].join('\n'),
  );
  const svc = spawnDetached(
    'nsenter',
    [`--net=/run/netns/${netns}`, '/usr/bin/docker-registry', 'serve', config],
    join(dir, 'registry.log'),
    'apt-get install docker-registry',
  );
  const answers = async () => {
    try {
      nsenter(netns, 'busybox', 'timeout', '2', 'busybox', 'wget', '-q', '-O', '/dev/null', `http://${addr}/v2/`);
      return true;
    } catch {
      return false;
    }
  };
  await Promise.race([
    waitUntil(`docker-registry on ${addr}`, answers, 20_000, 200),
    svc.failed.then((err) => {
      throw err;
    }),
  ]);
  return svc.pid;
}
