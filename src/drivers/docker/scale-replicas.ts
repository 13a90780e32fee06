import type Docker from 'dockerode';
import type { PortRange } from '../../config/port-range.ts';
import { UserError } from '../../core/user-error.ts';
import { type DoorLock, processDoorLock } from '../../frontdoor/door-lock.ts';
import type { FrontDoor } from '../../frontdoor/front-door.ts';
import type { DeployOutcome, DriverIO, ScaleTarget } from '../driver.ts';
import { withReplicaPorts } from './allocate-ports.ts';
import { createReplica } from './create-replica.ts';
import { type EngineLocation, replicaAt } from './engine-location.ts';
import { LABEL, containerName } from './labels.ts';
import { listAppContainers, listInstances } from './list-instances.ts';
import { replicaAddress, siteOf } from './point-front-door.ts';
import { fenceOf } from './reconcile.ts';
import { waitHealthy } from './wait-healthy.ts';

export interface ScaleDeps {
  docker: Docker;
  instance: string;
  /** Undefined only for a remote engine (no front door reaches it): then nothing is switched. */
  frontDoor: FrontDoor | undefined;
  engine: EngineLocation;
  /** Taken while replica ports are picked and their containers made (withReplicaPorts). @defaultValue this process' own */
  portsLock?: DoorLock;
}

/** How long a retired replica gets to exit on SIGTERM before it is killed. @defaultValue 10 s */
const RETIRE_STOP_SECONDS = 10;

/** The replica index in a container's name (`…-v3-2` → 2). */
const indexOf = (c: Docker.ContainerInfo) => Number(/-(\d+)$/.exec(c.Names[0] ?? '')?.[1] ?? 0);

/**
 * Sets the number of running replicas of the live release `target.release` to `n`, through
 * the front door. **Up**: the missing replicas start beside the serving ones (same image, ports
 * from `ports`), must pass the health gate, and then the front door is switched to the whole
 * set in one call; if they fail, they are removed and nothing serving was touched. **Down**:
 * the front door is switched to the replicas that stay first (with n = 0 the site keeps no
 * upstream, so it answers 503), then the others drain `app.drainSeconds` and are retired.
 *
 * New replicas carry the fence token of the deploy that serves (they are part of it, and
 * the reconciler keeps them); the switch happens only while the job's own token is the
 * newest, so a scale that lost its lock moves no traffic. On a remote engine without a front
 * door the replicas are gated by the engine's health check and nothing is switched.
 */
export async function scaleReplicas(
  { docker, instance, frontDoor, engine, portsLock = processDoorLock }: ScaleDeps,
  target: ScaleTarget,
  n: number,
  extraEnv: Record<string, string>,
  ports: PortRange,
  io: DriverIO,
): Promise<DeployOutcome> {
  const { app, env, release, artifact } = target;
  const site = siteOf(instance, app.name, env, target.port);
  const ofRelease = (await listAppContainers(docker, instance, app.name, env)).filter((c) => Number(c.Labels[LABEL.release]) === release);
  const running = ofRelease.filter((c) => c.State === 'running').sort((a, b) => indexOf(a) - indexOf(b));
  const live = io.fence ? await io.fence.live() : undefined;
  const token = live ?? (running[0] ? fenceOf(running[0]) : undefined);
  const stillNewest = async () => {
    if (io.fence && !(await io.fence.isNewest()))
      throw new UserError(
        'superseded',
        `another job of ${app.name} (${env}) took the lock while this scale was paused; nothing was switched`,
      );
  };
  const outcome = async (): Promise<DeployOutcome> => {
    const instances = (await listInstances(docker, instance, app.name, env, app.health.path, engine)).filter((i) => i.release === release);
    return { instances, healthy: instances.filter((i) => i.healthy).length, ...(frontDoor ? { address: site.listen } : {}) };
  };
  // Stopped leftovers of this release would hold their names and ports: they go first.
  for (const c of ofRelease.filter((x) => x.State !== 'running')) await docker.getContainer(c.Id).remove({ force: true });
  if (n === running.length) {
    io.log(`${app.name} (${env}) already runs ${n} replica(s) of v${release}`);
    return outcome();
  }
  if (n > running.length) {
    const taken = new Set(running.map(indexOf));
    const created: Array<{ id: string; port: number }> = [];
    try {
      // Created and started in parallel (a burst's replicas are wanted now); every one that was created is tracked for the undo.
      await withReplicaPorts(
        docker,
        portsLock,
        { range: ports, count: n - running.length, appLabel: `${app.name} (${env})`, engine },
        async (picked) => {
          const slots = picked.map((port) => {
            let replica = 0;
            while (taken.has(replica)) replica += 1;
            taken.add(replica);
            return { port, replica };
          });
          if (io.signal.aborted) throw io.signal.reason;
          const results = await Promise.allSettled(
            slots.map(async ({ port, replica }) => {
              const container = await createReplica(
                docker,
                { instance, app, env, release, replica, port, fence: token, engineCheck: engine.remote },
                artifact,
                extraEnv,
              );
              created.push({ id: container.id, port });
              await container.start();
              io.log(
                `started ${containerName(instance, app.name, env, release, replica)} on ${replicaAt(engine, port) ?? `port ${port} of the engine's host`}`,
              );
            }),
          );
          const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
        },
      );
      await waitHealthy(docker, app, release, created, io, engine);
      if (io.signal.aborted) throw io.signal.reason;
      await stillNewest();
      const upstreams = [...running.map(replicaAddress), ...created.map((c) => `127.0.0.1:${c.port}`)];
      if (frontDoor && !(await frontDoor.switch(site, upstreams, token)))
        throw new UserError('superseded', 'a newer deploy routes the front door now; nothing was switched');
      io.log(
        frontDoor
          ? `switched ${site.listen} to ${upstreams.length} replica(s) of v${release} (${upstreams.join(', ')})`
          : `${n} replica(s) of v${release} run (no front door on a remote engine, nothing switched)`,
      );
    } catch (err) {
      io.log(`scale failed: removing the ${created.length} new replica(s); the ${running.length} serving keep serving`);
      for (const { id } of created)
        await docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
      throw err;
    }
    return outcome();
  }
  const keep = running.slice(0, n);
  const retired = running.slice(n);
  await stillNewest();
  const upstreams = keep.map(replicaAddress);
  if (frontDoor && !(await frontDoor.switch(site, upstreams, token)))
    throw new UserError('superseded', 'a newer deploy routes the front door now; nothing was switched');
  if (frontDoor)
    io.log(
      n === 0
        ? `switched ${site.listen} to no replicas: ${app.name} (${env}) no longer serves`
        : `switched ${site.listen} to ${n} replica(s) of v${release} (${upstreams.join(', ')})`,
    );
  if (app.drainSeconds > 0) {
    io.log(`draining ${retired.length} replica(s) for ${app.drainSeconds}s`);
    await new Promise((r) => setTimeout(r, app.drainSeconds * 1000));
  }
  for (const c of retired) {
    const container = docker.getContainer(c.Id);
    await container.stop({ t: RETIRE_STOP_SECONDS }).catch(() => undefined);
    await container.remove({ force: true }).catch((err: Error) => io.log(`could not remove ${c.Names[0]}: ${err.message}`));
  }
  io.log(`retired ${retired.length} replica(s)`);
  return outcome();
}
