import type Docker from 'dockerode';
import { UserError, isUserError } from '../../core/user-error.ts';
import type { Artifact, DeployOutcome, DeployTarget, DriverIO } from '../driver.ts';
import { isPortOpen, probeHttp } from '../probe-http.ts';
import { tailContainerLogs } from './container-logs.ts';
import { LABEL, containerName } from './labels.ts';
import { listAppContainers, listInstances } from './list-instances.ts';
import { fenceOf, reconcileContainers } from './reconcile.ts';

/** How often replicas are probed while waiting for them to turn healthy. */
const PROBE_INTERVAL_MS = 250;

function memoryBytes(size: string | undefined): number | undefined {
  if (!size) return undefined;
  const n = Number(size.slice(0, -1));
  return n * { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[size.slice(-1).toLowerCase() as 'k' | 'm' | 'g'];
}

/**
 * First-cut copy-update-switch on one engine with host networking: the old release's
 * containers are stopped (kept, not removed), the new ones started on the same ports and
 * health-checked, and only then are the old ones removed. On a failed check or a cancel the
 * new containers are removed and the old ones started again, so a deploy never leaves a
 * half-state behind. (Zero-downtime switching behind a proxy arrives with the full Docker runtime.)
 *
 * With a fence (the job holds the app+env lock): what stale holders left is removed first,
 * the new containers carry the token (`voxoz.fence`), nothing is stopped unless the token is
 * still the newest, and the switch (keeping the new, removing the old) happens only if the token
 * is still the newest when it is recorded as the serving one; otherwise the new containers go.
 */
export async function deployContainers(
  docker: Docker,
  instance: string,
  target: DeployTarget,
  artifact: Artifact,
  extraEnv: Record<string, string>,
  io: DriverIO,
): Promise<DeployOutcome> {
  const { app, env, release } = target;
  const { fence } = io;
  const live = fence ? await fence.live() : undefined;
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
  // What serves now: the release of the serving token when known, else the newest earlier release
  // (stopped, if an interrupted attempt stopped it).
  const liveOnes = previous.filter((c) => live !== undefined && fenceOf(c) === live);
  const serving = liveOnes.length > 0 ? releaseOf(liveOnes[0]!) : Math.max(0, ...previous.map(releaseOf));
  const wasRunning = previous.filter((c) => releaseOf(c) === serving);
  const created: string[] = [];
  const restore = async (why: string) => {
    io.log(`${why}: removing v${release} and restoring what ran before`);
    for (const id of created)
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    for (const c of wasRunning)
      await docker
        .getContainer(c.Id)
        .start()
        .catch((err: Error) => io.log(`could not restart ${c.Names[0]}: ${err.message}`));
    for (const c of wasRunning) {
      const port = Number(c.Labels[LABEL.port]);
      const deadline = Date.now() + app.health.timeoutSeconds * 1000;
      while (!(await probeHttp('127.0.0.1', port, app.health.path, 1000)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
      io.log(
        `${c.Names[0]?.slice(1)} (v${c.Labels[LABEL.release]}) ${Date.now() < deadline ? 'is serving again' : 'did not answer its health check after the restore'}`,
      );
    }
  };
  const superseded = () =>
    new UserError(
      'superseded',
      `a newer deploy of ${app.name} (${env}) took the lock while this one was paused; v${release} was not switched to, and what it started was removed`,
    );
  // Before anything is stopped: a holder that is no longer the newest leaves everything alone.
  if (fence && !(await fence.isNewest())) throw superseded();
  try {
    // Every earlier container is stopped, whatever its listed state: one the engine is just
    // bringing back (restart policy, engine restart) would otherwise take the port a moment later.
    for (const c of previous) {
      if (c.State === 'running' || c.State === 'restarting')
        io.log(`stopping ${c.Names[0]?.slice(1)} (release v${c.Labels[LABEL.release]}, kept until v${release} is healthy)`);
      await docker
        .getContainer(c.Id)
        .stop({ t: 5 })
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 304) throw err;
        });
    }
    for (let i = 0; i < app.replicas; i++) {
      // Host networking: a port something else already serves would make the health check lie.
      if (await isPortOpen('127.0.0.1', target.port + i)) {
        const holders = await docker.listContainers({
          filters: { label: [`${LABEL.port}=${target.port + i}`], status: ['running', 'restarting'] },
        });
        const named = holders
          .map((c) => `${c.Names[0]?.slice(1)} (${c.Labels[LABEL.app]} ${c.Labels[LABEL.env]} v${c.Labels[LABEL.release]})`)
          .join(', ');
        throw new UserError(
          'port_in_use',
          `127.0.0.1:${target.port + i} is already in use by ${named || `something other than ${app.name} (${env})`}; free it or give the app another port in voxoz.yml`,
        );
      }
    }
    for (let i = 0; i < app.replicas; i++) {
      if (io.signal.aborted) throw io.signal.reason;
      const port = target.port + i;
      const name = containerName(instance, app.name, env, release, i);
      const container = await docker.createContainer({
        name,
        Image: artifact.id,
        Env: Object.entries({
          ...app.env,
          ...extraEnv,
          PORT: String(port),
          VOXOZ_APP: app.name,
          VOXOZ_ENV: env,
          VOXOZ_RELEASE: String(release),
          VOXOZ_REPLICA: String(i),
        }).map(([k, v]) => `${k}=${v}`),
        Labels: {
          [LABEL.instance]: instance,
          [LABEL.app]: app.name,
          [LABEL.env]: env,
          [LABEL.release]: String(release),
          [LABEL.port]: String(port),
          ...(fence ? { [LABEL.fence]: String(fence.token) } : {}),
        },
        HostConfig: {
          NetworkMode: 'host',
          // An init process as PID 1 forwards SIGTERM, so replicas stop promptly on a switch.
          Init: true,
          RestartPolicy: { Name: 'unless-stopped' },
          Memory: memoryBytes(app.resources.memory),
          NanoCpus: app.resources.cpus ? Math.round(app.resources.cpus * 1e9) : undefined,
        },
      });
      created.push(container.id);
      await container.start();
      io.log(`started ${name} on 127.0.0.1:${port}`);
    }
    await waitHealthy(docker, target, created, io);
    // The switch: only the newest token's containers are kept.
    if (fence && !(await fence.claimLive())) throw superseded();
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
  for (const c of previous) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch((err: Error) => io.log(`could not remove ${c.Names[0]}: ${err.message}`));
  }
  if (previous.length > 0) io.log(`removed ${previous.length} container(s) of earlier releases`);
  const instances = (await listInstances(docker, instance, app.name, env, app.health.path)).filter((i) => i.release === release);
  return { instances, healthy: instances.filter((i) => i.healthy).length };
}

async function waitHealthy(docker: Docker, { app, release, port: first }: DeployTarget, ids: string[], io: DriverIO): Promise<void> {
  const deadline = io.now().getTime() + app.health.timeoutSeconds * 1000;
  const pending = new Map(ids.map((id, i) => [id, first + i]));
  io.log(`waiting up to ${app.health.timeoutSeconds}s for ${pending.size} replica(s) to answer GET ${app.health.path}`);
  while (pending.size > 0) {
    if (io.signal.aborted) throw io.signal.reason;
    for (const [id, port] of [...pending]) {
      if (await probeHttp('127.0.0.1', port, app.health.path, 1000)) {
        io.log(`127.0.0.1:${port}${app.health.path} is healthy`);
        pending.delete(id);
        continue;
      }
      const inspect = await docker.getContainer(id).inspect();
      const state = inspect.State;
      // With a restart policy a crashing replica shows as restarting, or running again with a restart count.
      if (!state.Running || state.Restarting || inspect.RestartCount > 0) {
        for (const line of await tailContainerLogs(docker, id)) io.log(`  | ${line}`);
        // A running or restarting container reports no useful exit code; say what is known.
        const how = state.ExitCode ? ` with code ${state.ExitCode}` : '';
        const restarts =
          inspect.RestartCount > 0 ? ` (restarted ${inspect.RestartCount} time${inspect.RestartCount === 1 ? '' : 's'})` : '';
        throw new UserError(
          'instance_exited',
          `v${release} exited${how}${restarts} before answering its health check on 127.0.0.1:${port}${app.health.path}`,
        );
      }
    }
    if (pending.size === 0) break;
    if (io.now().getTime() > deadline) {
      for (const id of pending.keys()) for (const line of await tailContainerLogs(docker, id)) io.log(`  | ${line}`);
      const where = [...pending.values()].map((p) => `127.0.0.1:${p}${app.health.path}`).join(', ');
      throw new UserError('health_check_failed', `v${release} did not answer 2xx on ${where} within ${app.health.timeoutSeconds}s`);
    }
    await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
  }
}
