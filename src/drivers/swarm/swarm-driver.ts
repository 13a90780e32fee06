import type Docker from 'dockerode';
import { environmentPort } from '../../config/app-environment.ts';
import type { AppSpec } from '../../config/schema.ts';
import type { TargetSpec } from '../../config/target-schema.ts';
import { UserError } from '../../core/user-error.ts';
import { DEFAULT_REPLICA_PORTS, parsePortRange } from '../../config/port-range.ts';
import { type DoorLock, processDoorLock } from '../../frontdoor/door-lock.ts';
import { createDockerDriver } from '../docker/docker-driver.ts';
import type { DeployOutcome, DeployTarget, Driver, DriverIO, Instance } from '../driver.ts';
import { LABEL } from '../docker/labels.ts';
import { createReleaseService } from './release-service.ts';
import { serviceName } from './service-spec.ts';
import { shipImage } from './ship-image.ts';
import { swarmDoors } from './swarm-doors.ts';
import { type AwayNode, swarmNodes } from './swarm-nodes.ts';
import { swarmLogs, taskLogTail } from './swarm-logs.ts';
import {
  appServices,
  blockOf,
  fenceOf,
  labelsOf,
  releaseOf,
  removeService as removeServiceOf,
  serviceTasks,
  type TaskInfo,
  taskInstances,
} from './swarm-services.ts';
import { updateAtVersion, type Versioned } from './versioned-update.ts';
import { watchTasks } from './watch-tasks.ts';

export interface SwarmDriverOptions {
  /** The Swarm manager's engine: services are created, listed and removed here; images are built here. */
  docker: Docker;
  target: TargetSpec;
  /** Label value `voxoz.instance` (the queue name); prefixes every service name. */
  instance: string;
  workDir: string;
  secretValues: (names: ReadonlyArray<string>) => Record<string, string>;
  /** Each node's own engine (the manager's may be among them). Images are loaded into each when the target has no registry; each gets a front door. */
  nodeEngines?: Docker[];
  /**
   * The shared replica port range (`frontDoor.replicaPorts`) for environments without their own:
   * each release's service takes a block of it that no other service on the Swarm holds
   * (port-blocks.ts). @defaultValue "20000-29999"
   */
  replicaPorts?: () => string;
  /** Polling interval of the health gate. @defaultValue 500 ms */
  pollMs?: number;
  /** The lock of each node's front door, shared by every voxoz process that reaches the Swarm. @defaultValue this process' own */
  doorLock?: DoorLock;
  /** How long a node's engine gets to answer before a job goes on without that node. @defaultValue 3000 ms */
  nodeAnswerMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The Docker Swarm driver: a service per release (host networking, replicas spread by
 * placement), health-gated through the engine's task states, then a Caddy front door on each
 * node (a container with host networking, configured by exec through that node's engine) is
 * switched to the release's tasks on that node, then the old release's service is removed.
 * See docs/decisions/2026-12-03-swarm-copy-update-switch.md.
 */
export function createSwarmDriver(opts: SwarmDriverOptions): Driver {
  const { docker, target, instance, workDir, secretValues, nodeEngines = [], pollMs = 500, doorLock } = opts;
  const portsLock = doorLock ?? processDoorLock;
  const rangeOf = (app: AppSpec, env: string) =>
    parsePortRange(app.environments[env]?.replicaPorts ?? opts.replicaPorts?.() ?? DEFAULT_REPLICA_PORTS);
  // The build is the Docker driver's, on the manager's engine.
  const builder = createDockerDriver({ docker, instance, workDir, secretValues });
  const nodes = swarmNodes(nodeEngines.length > 0 ? nodeEngines : [docker], instance, doorLock, opts.nodeAnswerMs);
  const doors = swarmDoors(docker, instance, nodes);

  const services = (app: string, env: string) => appServices(docker, instance, app, env);
  const tasksOf = (serviceId: string) => serviceTasks(docker, serviceId);
  const removeService = (id: string) => removeServiceOf(docker, id);

  const createService = (t: DeployTarget, image: string, replicas: number, io: DriverIO, avoid: string[]) =>
    createReleaseService(
      { docker, instance, target, secretValues, lock: portsLock, range: rangeOf(t.app, t.env) },
      t,
      { image, replicas, avoid },
      io,
    );

  /** Waits until `n` tasks of the service run (Swarm holds a task with a health check in `starting` until it is healthy). */
  async function gate(svc: Docker.Service, n: number, app: AppSpec, io: DriverIO): Promise<TaskInfo[]> {
    const deadline = Date.now() + app.health.timeoutSeconds * 1000;
    let last: TaskInfo[] = [];
    while (Date.now() < deadline) {
      if (io.signal.aborted) throw new Error('cancelled');
      last = (await tasksOf(svc.id)).filter((t) => t.DesiredState === 'running');
      const running = last.filter((t) => t.Status?.State === 'running');
      if (running.length >= n) return running;
      await sleep(pollMs);
    }
    const lines = await taskLogTail(docker, await nodes().catch(() => []), svc.id, last, 20);
    const states = last.map((t) => `slot ${t.Slot}: ${t.Status?.State}${t.Status?.Err ? ` (${t.Status.Err})` : ''}`).join(', ');
    throw new UserError(
      'unhealthy',
      `the release's tasks did not become healthy within ${app.health.timeoutSeconds} s (${states || 'no task'}); the old release keeps serving. Last log lines:\n${lines.join('\n')}`,
    );
  }

  /** The nodes among `away` (known by id) that Swarm still counts as ready: it would place tasks there. */
  async function readyButAway(away: AwayNode[]): Promise<Array<AwayNode & { id: string }>> {
    const known = away.filter((a): a is AwayNode & { id: string } => a.id !== undefined);
    if (known.length === 0) return [];
    const listed = (await docker.listNodes()) as Array<{ ID: string; Status?: { State?: string } }>;
    const ready = new Set(listed.filter((n) => n.Status?.State === 'ready').map((n) => n.ID));
    return known.filter((a) => ready.has(a.id));
  }

  async function outcome(app: AppSpec, env: string, port: number): Promise<DeployOutcome> {
    const instances = await status(app, env);
    return { instances, healthy: instances.filter((i) => i.healthy).length, address: `127.0.0.1:${port}` };
  }

  async function status(app: AppSpec, env: string): Promise<Instance[]> {
    return taskInstances(docker, await services(app.name, env), target.placement.spread);
  }

  /**
   * The doors pointed at the running tasks of the service with `liveToken`, then (after
   * `drainSeconds`) every service with an older token removed: what was removed.
   */
  async function settle(app: AppSpec, env: string, liveToken: number, drainSeconds = 0): Promise<string[]> {
    const all = await services(app.name, env);
    const serving = all.find((s) => fenceOf(s) === liveToken);
    if (serving) {
      const running = (await tasksOf(serving.ID)).filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running');
      const port = environmentPort(app, env);
      await doors.switchAll(
        { app, env, release: releaseOf(serving), port },
        Number(labelsOf(serving)[LABEL.port]),
        running,
        liveToken,
        await nodes(),
      );
    }
    const older = all.filter((s) => (fenceOf(s) ?? liveToken) < liveToken);
    if (older.length > 0 && drainSeconds > 0) await sleep(drainSeconds * 1000);
    for (const s of older) await removeService(s.ID);
    return older.map((s) => s.Spec?.Name ?? s.ID);
  }

  return {
    runtime: 'swarm',
    build: (t, ref, io) => builder.build(t, ref, io),
    async deploy(t, artifact, io) {
      const { app, env, release } = t;
      const replicas = app.replicas;
      // A takeover of this job whose earlier attempt claimed the switch: that release serves (or is about to); finish it, as on one engine.
      const live = io.fence ? await io.fence.live() : undefined;
      if (live !== undefined && (await services(app.name, env)).some((s) => releaseOf(s) === release && fenceOf(s) === live)) {
        io.log(`v${release} went live in an earlier attempt of this job (its worker stopped after the switch); finishing from there`);
        for (const name of await settle(app, env, live, app.drainSeconds)) io.log(`removed ${name}`);
        return outcome(app, env, t.port);
      }
      const { answering, away } = await doors.reach(io, `the deploy of v${release}`);
      if (nodeEngines.length > 0 && answering.length === 0)
        throw new UserError(
          'no_swarm_node',
          `no node engine of the swarm ${target.name} answered (${away.map((a) => `${a.name}: ${a.reason}`).join('; ')}); nothing was deployed, and what serves keeps serving`,
        );
      const avoid = await readyButAway(away);
      if (avoid.length > 0)
        io.log(
          `Swarm still counts ${avoid.map((a) => a.name).join(', ')} as ready: v${release}'s tasks are kept off it (a task there would get no image and no front door) until the next deploy`,
        );
      const image = await shipImage(
        { docker, registry: target.registry, nodeEngines: nodeEngines.length > 0 ? answering.map((n) => n.engine) : [] },
        artifact,
        io,
      );
      const old = (await services(app.name, env)).filter((s) => releaseOf(s) !== release);
      // A leftover service of this very release (an earlier attempt) goes first.
      for (const s of await services(app.name, env)) if (releaseOf(s) === release) await removeService(s.ID);
      io.checkpoint?.('create');
      const { svc, ports } = await createService(
        t,
        image,
        replicas,
        io,
        avoid.map((a) => a.id),
      );
      io.checkpoint?.('start');
      io.log(`created service ${serviceName(instance, app.name, env, release)} with ${replicas} task(s)`);
      let running: TaskInfo[];
      try {
        running = await gate(svc, replicas, app, io);
        const tail = async (tasks: TaskInfo[]) => taskLogTail(docker, await nodes().catch(() => []), svc.id, tasks, 20);
        await watchTasks(running, () => tasksOf(svc.id), tail, app, release, io, pollMs);
      } catch (err) {
        await removeService(svc.id);
        throw err;
      }
      io.checkpoint?.('health-wait');
      if (io.fence && !(await io.fence.claimLive())) {
        await removeService(svc.id);
        throw new Error('a newer deploy holds the lock; this one switched nothing');
      }
      await doors.switchAll(t, ports.base, running, io.fence?.token, answering);
      io.log(`front door on ${t.port} switched to release ${release}`);
      await doors.noteHandover(running, io, answering);
      io.checkpoint?.('switch');
      if (app.drainSeconds > 0 && old.length > 0) await sleep(app.drainSeconds * 1000);
      io.checkpoint?.('drain');
      for (const s of old) {
        await removeService(s.ID);
        io.log(`removed ${s.Spec?.Name}`);
      }
      return outcome(app, env, t.port);
    },
    status,
    async scale(t, n, io) {
      const live = (await services(t.app.name, t.env)).find((s) => releaseOf(s) === t.release);
      if (!live) throw new UserError('not_running', `release ${t.release} of ${t.app.name} (${t.env}) has no service to scale`);
      // As the Docker driver's scale: the doors keep the serving deploy's token, and a scale that lost its lock changes nothing.
      const token = (io.fence ? await io.fence.live() : undefined) ?? fenceOf(live);
      const stillNewest = async () => {
        if (io.fence && !(await io.fence.isNewest()))
          throw new UserError(
            'superseded',
            `another job of ${t.app.name} (${t.env}) took the lock while this scale was paused; nothing was switched`,
          );
      };
      await stillNewest();
      const { size } = blockOf(live);
      if (n > size)
        throw new UserError(
          'no_replica_ports',
          `release ${t.release} of ${t.app.name} (${t.env}) has ${size} ports, one per replica: it cannot run ${n}; give the environment a wider "replicaPorts" range in voxoz.yml, then deploy to scale further`,
        );
      const svc = docker.getService(live.ID);
      await updateAtVersion(
        async () => (await svc.inspect()) as { Spec: Record<string, unknown> } & Versioned,
        (spec) => svc.update({ ...spec.Spec, version: spec.Version.Index, Mode: { Replicated: { Replicas: n } } } as never),
      );
      if (n === 0) {
        // No task is left to serve: every door answers 503 at once (as the Docker driver's scale to 0).
        await doors.switchAll(t, Number(labelsOf(live)[LABEL.port]), [], token, (await doors.reach(io, 'the scale')).answering);
        return outcome(t.app, t.env, t.port);
      }
      // Down: Swarm picks which tasks go (those on the nodes with the most), so the doors follow the tasks it keeps once it has settled.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await tasksOf(live.ID)).filter((x) => x.DesiredState === 'running').length > n) await sleep(pollMs);
      const running = await gate(svc, n, t.app, io);
      await stillNewest();
      await doors.switchAll(t, Number(labelsOf(live)[LABEL.port]), running, token, (await doors.reach(io, 'the scale')).answering);
      return outcome(t.app, t.env, t.port);
    },
    async abandon({ app, env, release }, liveToken, io) {
      const ours = (await services(app.name, env)).filter((s) => releaseOf(s) === release);
      if (liveToken !== undefined && ours.some((s) => fenceOf(s) === liveToken)) return 'live';
      for (const s of ours) {
        await removeService(s.ID);
        io.log(`removed ${s.Spec?.Name}, left by an attempt whose worker died`);
      }
      await doors.retire(app, env, (await services(app.name, env)).length, io);
      return 'removed';
    },
    async dropIdleSites(configured) {
      const freed = new Set<string>();
      for (const node of await nodes()) for (const site of (await node.door.dropIdle?.(instance, configured)) ?? []) freed.add(site);
      return [...freed];
    },
    reconcile: (app, env, liveToken) => settle(app, env, liveToken),
    logs: async function* (app, env, opts, io) {
      const now = () => services(app.name, env);
      yield* swarmLogs(docker, await nodes(), await now(), { ...opts, app: app.name, env }, opts.stop ?? io.signal, now);
    },
  };
}
