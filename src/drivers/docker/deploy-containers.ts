import type Docker from 'dockerode';
import type { PortRange } from '../../config/port-range.ts';
import { UserError, isUserError } from '../../core/user-error.ts';
import { type DoorLock, processDoorLock } from '../../frontdoor/door-lock.ts';
import type { FrontDoor } from '../../frontdoor/front-door.ts';
import type { Artifact, DeployOutcome, DeployTarget, DriverIO } from '../driver.ts';
import { isPortOpen, probeHttp } from '../probe-http.ts';
import { withReplicaPorts } from './allocate-ports.ts';
import { createReplica } from './create-replica.ts';
import { type EngineLocation, replicaAt } from './engine-location.ts';
import { LABEL, containerName } from './labels.ts';
import { listAppContainers, listInstances } from './list-instances.ts';
import { pointFrontDoor, replicaAddress, siteOf } from './point-front-door.ts';
import { fenceOf, reconcileContainers } from './reconcile.ts';
import { RETIRE_STOP_SECONDS, retireReplicas } from './retire-replicas.ts';
import { waitHealthy } from './wait-healthy.ts';
import { watchReplicas } from './watch-replicas.ts';

export interface DeployDeps {
  docker: Docker;
  instance: string;
  /** Undefined only for a remote engine without a front door of its own: then nothing is switched (docs/decisions/2026-12-02-remote-engine.md). */
  frontDoor: FrontDoor | undefined;
  engine: EngineLocation;
  /** Taken while replica ports are picked and their containers made (withReplicaPorts): give every voxoz process that reaches the engine the same one. @defaultValue this process' own */
  portsLock?: DoorLock;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Copy-update-switch behind the front door. **Copy**: the new release's replicas start beside
 * the serving ones, on ports picked from `ports`. **Update**: they must pass the health gate.
 * **Switch**: the front door routes the environment's address to them, in one admin call.
 * **Drain**: the old replicas keep running `app.drainSeconds`, so requests they were answering
 * finish. **Retire**: then they are stopped and removed. Until the switch nothing that serves
 * is touched: a failed check, a cancel or a lost lock removes the new replicas and the old
 * ones keep serving. After the switch the deploy is done: a cancel no longer undoes it.
 *
 * With a fence (the job holds the app+env lock): what stale holders left is removed first, the
 * new replicas carry the token (`voxoz.fence`), and the switch happens only while the token is
 * the newest: it is claimed as the serving one in Redis, and the front door refuses a route
 * older than the one it has. A holder that finds a newer serving token after its own switch
 * points the front door back at that token's replicas before it removes its own.
 *
 * On a remote engine without a front door the same steps run with no switch: the new replicas
 * are gated by the engine's health check, then the old ones drain and go; clients reach the
 * replicas themselves, whose ports change with every release.
 */
export async function deployContainers(
  { docker, instance, frontDoor, engine, portsLock = processDoorLock }: DeployDeps,
  target: DeployTarget,
  artifact: Artifact,
  extraEnv: Record<string, string>,
  ports: PortRange,
  io: DriverIO,
): Promise<DeployOutcome> {
  const { app, env, release } = target;
  const { fence } = io;
  const site = siteOf(instance, app.name, env, target.port);
  const live = fence ? await fence.live() : undefined;
  // A takeover of this job whose earlier attempt got as far as the switch: that release serves (or is about to); finish it.
  const switched = live === undefined ? [] : await switchedEarlier(docker, instance, app.name, env, release, live);
  if (switched.length > 0) {
    io.log(`v${release} went live in an earlier attempt of this job (its worker stopped after the switch); finishing from there`);
    if (frontDoor) await pointFrontDoor(frontDoor, site, switched, live);
    const others = (await listAppContainers(docker, instance, app.name, env)).filter((c) => fenceOf(c) !== live);
    await retireReplicas(docker, others, app.drainSeconds, io);
    const instances = (await listInstances(docker, instance, app.name, env, app.health.path, engine)).filter((i) => i.release === release);
    return { instances, healthy: instances.filter((i) => i.healthy).length, ...(frontDoor ? { address: site.listen } : {}) };
  }
  if (live !== undefined)
    for (const name of await reconcileContainers(docker, instance, app.name, env, live))
      io.log(`removed ${name}, left by a deploy that had lost its lock`);
  const all = await listAppContainers(docker, instance, app.name, env);
  const releaseOf = (c: Docker.ContainerInfo) => Number(c.Labels[LABEL.release]);
  // Containers of this very release are leftovers of an attempt that died mid-way (the job is being retried).
  for (const c of all.filter((x) => releaseOf(x) === release)) {
    io.log(`removing ${c.Names[0]?.slice(1)}, left over from an interrupted attempt`);
    await docker.getContainer(c.Id).remove({ force: true });
  }
  const previous = all.filter((c) => releaseOf(c) !== release);
  // What serves now: what the front door routes to; else the serving token's release; else the newest earlier one.
  const route = frontDoor ? await frontDoor.route(site) : undefined;
  const routed = previous.filter((c) => route?.upstreams.includes(replicaAddress(c)));
  const liveOnes = previous.filter((c) => live !== undefined && fenceOf(c) === live);
  const servingRelease = (routed[0] ?? liveOnes[0]) ? releaseOf((routed[0] ?? liveOnes[0])!) : Math.max(0, ...previous.map(releaseOf));
  const serving = previous.filter((c) => releaseOf(c) === servingRelease);
  const superseded = () =>
    new UserError(
      'superseded',
      `a newer deploy of ${app.name} (${env}) took the lock while this one was paused; v${release} was not switched to, and what it started was removed`,
    );
  // Before anything is made: a holder that is no longer the newest leaves everything alone.
  if (fence && !(await fence.isNewest())) throw superseded();
  // The front door must be able to listen on the environment's address (its own site there is fine).
  // Replicas of a voxoz from before the front door listen on it themselves: they give it up at the switch.
  const holder = frontDoor ? await frontDoor.siteAt(site.listen) : undefined;
  const legacy = frontDoor && holder === undefined ? previous.filter((c) => Number(c.Labels[LABEL.port]) === target.port) : [];
  if (
    frontDoor &&
    holder !== `${app.name} (${env})` &&
    // A remote engine's 127.0.0.1 cannot be probed from here: there only the front door's own sites say who holds a port.
    (holder !== undefined || (legacy.length === 0 && !engine.remote && (await isPortOpen('127.0.0.1', target.port))))
  ) {
    throw new UserError(
      'port_in_use',
      `${site.listen} is already in use by ${holder ? `the front door of ${holder}` : `something other than ${app.name} (${env})`}; free it or give the app another port in voxoz.yml`,
    );
  }
  const created: Array<{ id: string; port: number }> = [];
  const restore = async (why: string) => {
    io.log(
      serving.length > 0
        ? `${why}: removing v${release} and restoring v${servingRelease}`
        : `${why}: removing v${release}; no release ran before it, so there is nothing to restore`,
    );
    for (const { id } of created)
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    await restoreServing(docker, frontDoor, engine, { instance, app: target.app, env, site, serving, live }, io);
  };
  const upstreams: string[] = [];
  try {
    // Picked, created and started in parallel, taking turns with other deploys on the engine; every one that was created is tracked for the undo.
    const picked = await withReplicaPorts(
      docker,
      portsLock,
      { range: ports, count: app.replicas, appLabel: `${app.name} (${env})`, engine },
      async (picked) => {
        if (io.signal.aborted) throw io.signal.reason;
        const results = await Promise.allSettled(
          picked.map(async (port, i) => {
            const container = await createReplica(
              docker,
              { instance, app, env, release, replica: i, port, fence: fence?.token, engineCheck: engine.remote },
              artifact,
              extraEnv,
            );
            created.push({ id: container.id, port });
            io.checkpoint?.('create');
            await container.start();
            io.checkpoint?.('start');
            io.log(
              `started ${containerName(instance, app.name, env, release, i)} on ${replicaAt(engine, port) ?? `port ${port} of the engine's host`}`,
            );
          }),
        );
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
        return picked;
      },
    );
    upstreams.push(...picked.map((port) => `127.0.0.1:${port}`));
    io.checkpoint?.('health-wait');
    await waitHealthy(docker, app, release, created, io, engine);
    await watchReplicas(docker, app, release, created, io, engine);
    // A healthy answer on a port another deploy took a moment earlier could be that one's: ours must still run, never restarted.
    for (const { id, port } of created) {
      const { State, RestartCount } = await docker.getContainer(id).inspect();
      if (!State.Running || State.Restarting || RestartCount > 0)
        throw new UserError('instance_exited', `v${release} stopped after answering on port ${port}; it was not switched to`);
    }
    if (io.signal.aborted) throw io.signal.reason;
    // The switch: only the newest token moves traffic, and the front door takes no older route than it has.
    if (fence && !(await fence.claimLive())) throw superseded();
    io.checkpoint?.('switch');
    if (legacy.length > 0) {
      io.log(
        `moving ${app.name} (${env}) behind the front door: its old replicas free ${site.listen} first (a moment without answers, this once)`,
      );
      for (const c of legacy)
        await docker
          .getContainer(c.Id)
          .stop({ t: RETIRE_STOP_SECONDS })
          .catch(() => undefined);
    }
    if (frontDoor && !(await frontDoor.switch(site, upstreams, fence?.token))) throw superseded();
    if (frontDoor && fence && (await fence.live()) !== fence.token) {
      const newer = await fence.live();
      const theirs = (await listAppContainers(docker, instance, app.name, env)).filter((c) => fenceOf(c) === newer);
      await pointFrontDoor(frontDoor, site, theirs, newer);
      throw superseded();
    }
  } catch (err) {
    const why =
      isUserError(err) && err.code === 'superseded'
        ? 'superseded'
        : io.signal.aborted
          ? isUserError(io.signal.reason)
            ? 'stopped'
            : 'cancelled'
          : 'deploy failed';
    await restore(why);
    throw err;
  }
  if (frontDoor) {
    io.log(`switched ${site.listen} to v${release} (${upstreams.join(', ')})`);
    const risk = await frontDoor.handoverWarning?.().catch(() => undefined);
    if (risk) io.log(`note: on the engine's host${engine.remote && engine.address ? ` (${engine.address})` : ''}, ${risk}`);
  } else
    io.log(
      `v${release} is live (no front door on a remote engine, nothing switched): it answers on ${created.map((c) => replicaAt(engine, c.port) ?? `port ${c.port}`).join(', ')}`,
    );
  await retireReplicas(docker, previous, app.drainSeconds, io);
  const instances = (await listInstances(docker, instance, app.name, env, app.health.path, engine)).filter((i) => i.release === release);
  return { instances, healthy: instances.filter((i) => i.healthy).length, ...(frontDoor ? { address: site.listen } : {}) };
}

/**
 * After a failed, cancelled or superseded deploy: the serving release runs (an interrupted
 * attempt of an older voxoz may have stopped it) and the front door routes to it.
 */
async function restoreServing(
  docker: Docker,
  frontDoor: FrontDoor | undefined,
  engine: EngineLocation,
  s: {
    instance: string;
    app: DeployTarget['app'];
    env: string;
    site: ReturnType<typeof siteOf>;
    serving: Docker.ContainerInfo[];
    live?: number;
  },
  io: DriverIO,
): Promise<void> {
  if (s.serving.length === 0) return;
  const ids = new Set(s.serving.map((c) => c.Id));
  const listed = async () => (await listAppContainers(docker, s.instance, s.app.name, s.env)).filter((c) => ids.has(c.Id));
  for (const c of (await listed()).filter((x) => x.State !== 'running')) {
    await docker
      .getContainer(c.Id)
      .start()
      .catch((err: Error) => io.log(`could not restart ${c.Names[0]}: ${err.message}`));
    const port = Number(c.Labels[LABEL.port]);
    const deadline = Date.now() + s.app.health.timeoutSeconds * 1000;
    const answers = async () =>
      engine.remote
        ? (await docker.getContainer(c.Id).inspect()).State.Health?.Status === 'healthy'
        : probeHttp('127.0.0.1', port, s.app.health.path, 1000);
    while (!(await answers()) && Date.now() < deadline) await sleep(250);
    io.log(
      `${c.Names[0]?.slice(1)} (v${c.Labels[LABEL.release]}) ${Date.now() < deadline ? 'is serving again' : 'did not answer its health check after the restore'}`,
    );
  }
  if (!frontDoor) return;
  await pointFrontDoor(frontDoor, s.site, await listed(), s.live).catch((err: Error) =>
    io.log(`could not point the front door back: ${err.message}`),
  );
}

/** The containers of `release` that carry the serving token: made by an earlier attempt of the same job (numbers are reserved per job), which claimed the switch. */
async function switchedEarlier(docker: Docker, instance: string, app: string, env: string, release: number, live: number) {
  return (await listAppContainers(docker, instance, app, env)).filter(
    (c) => fenceOf(c) === live && Number(c.Labels[LABEL.release]) === release,
  );
}
