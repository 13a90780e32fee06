import { join, resolve } from 'node:path';
import type { LoadedConfig } from './config/load-config.ts';
import { LOCAL_TARGET, type TargetSpec } from './config/target-schema.ts';
import { createDockerClient } from './drivers/docker/docker-client.ts';
import { createDockerDriver } from './drivers/docker/docker-driver.ts';
import { engineLocation } from './drivers/docker/engine-location.ts';
import { ensureBusyboxImage } from './drivers/docker/ensure-busybox-image.ts';
import type { Driver } from './drivers/driver.ts';
import { createSwarmDriver } from './drivers/swarm/swarm-driver.ts';
import { createTargetRouter } from './drivers/target-router.ts';
import { createCaddyFrontDoor } from './frontdoor/caddy-front-door.ts';
import type { DoorLock } from './frontdoor/door-lock.ts';
import { displayUrl } from './observability/display-url.ts';
import type { Logger } from './observability/logger.ts';
import { within } from './services/within.ts';

/** How long a worker waits for a target's engine to answer when it starts, before it takes none of its jobs. @defaultValue 5000 */
export const TARGET_REACH_MS = 5000;

type Docker = ReturnType<typeof createDockerClient>;

export interface DockerRuntime {
  /** The engine at DOCKER_HOST (the `local` target); undefined in a bot-only process where none answers. */
  docker: Docker | undefined;
  /** The Docker runtime's driver: each call goes to the app environment's target. */
  driver: Driver;
  /** The targets this process reaches now (`local` when an engine answered at DOCKER_HOST), with words for `voxoz workers`. */
  reach(): { targets: ReadonlySet<string>; words: string[] };
  /** Asks each reached target's engine (not `local`, which is `docker`) whether it answers now, for `/readyz`. */
  targetPings(): ReadonlyMap<string, () => Promise<unknown>>;
  /**
   * Asks every target of voxoz.yml (as it reads now) again: one that answers is reached (a
   * target added by a reload, or one that was down); one reached that failed to answer
   * TARGET_LOSS_CHECKS times in a row is not any more. True when the reached set changed.
   */
  recheck(): Promise<boolean>;
  /** Frees, on each reached target's engines, the front-door sites of app environments not in `configured` that serve nothing (Driver.dropIdleSites): what each freed. */
  dropIdleSites(configured: ReadonlySet<string>): Promise<Array<{ target: string; sites: string[] } | { target: string; error: string }>>;
}

/** Failed checks in a row before a worker stops taking a target's jobs (a blip keeps it). @defaultValue 2 */
export const TARGET_LOSS_CHECKS = 2;

/**
 * The Docker runtime's parts: the engine at DOCKER_HOST (checked to answer when this process
 * runs jobs) and every target of voxoz.yml that answers now, each with a driver of its own
 * (engine targets: the Docker driver with the target's engine; Swarm targets: the Swarm driver
 * with the manager's engine and each listed node's).
 */
export async function startDocker(opts: {
  config: () => LoadedConfig;
  dockerHost: string | undefined;
  /** Set when the engine at DOCKER_HOST must answer (this process runs jobs). */
  required: boolean;
  dockerEngine?: 'local' | 'remote';
  frontDoorSocket?: string;
  sshAgent?: string;
  instance: string;
  dataDir: string;
  secretValues: (names: ReadonlyArray<string>) => Record<string, string>;
  /** The lock of the front doors on remote engines and Swarm nodes, shared by every voxoz process (redisDoorLock). @defaultValue this process' own */
  doorLock?: DoorLock;
  log: Logger;
}): Promise<DockerRuntime> {
  const { log } = opts;
  const drivers = new Map<string, Driver>();
  const words: string[] = [];
  const workDir = join(resolve(opts.dataDir), 'builds');
  const replicaPorts = () => opts.config().frontDoor.replicaPorts;
  let docker: Docker | undefined;
  if (opts.dockerHost) {
    const local = createDockerClient(opts.dockerHost, { sshAgent: opts.sshAgent });
    const answered = await local.ping().then(
      () => true,
      (err: Error) => {
        if (opts.required) throw new Error(`the Docker engine at ${displayUrl(opts.dockerHost ?? '')} does not answer (${err.message})`);
        log.warn('the Docker engine at DOCKER_HOST does not answer; this process goes on without it', { reason: err.message });
        return false;
      },
    );
    if (answered) {
      docker = local;
      await ensureBusyboxImage(local).catch((err: Error) =>
        log.warn('busybox:latest is not available; FROM busybox builds will fail', { reason: err.message }),
      );
      const engine = engineLocation(opts.dockerHost, opts.dockerEngine);
      if (engine.remote)
        log.warn(
          "the Docker engine is remote: its replicas are checked by the engine's own health check, and their front door is a Caddy container on that engine (docs/decisions/2026-12-02-remote-engine.md)",
          { address: engine.address },
        );
      drivers.set(
        LOCAL_TARGET,
        createDockerDriver({
          docker: local,
          instance: opts.instance,
          workDir,
          secretValues: opts.secretValues,
          frontDoor: engine.remote ? 'on-engine' : opts.frontDoorSocket ? createCaddyFrontDoor(opts.frontDoorSocket) : undefined,
          engine,
          replicaPorts,
          ...(opts.doorLock ? { doorLock: opts.doorLock } : {}),
        }),
      );
      words.push(`Docker engine ${displayUrl(opts.dockerHost)}`);
    }
  } else if (opts.required) {
    throw new Error('no Docker engine: set DOCKER_HOST');
  }
  // A driver per target ever reached (kept while its jobs may still run); the ones reached now, and their failed checks in a row.
  const built = new Map<string, { spec: string; driver: Driver; ping: () => Promise<unknown> }>();
  const reached = new Set<string>();
  const misses = new Map<string, number>();
  const probe = async (target: TargetSpec, first: boolean) => {
    const spec = JSON.stringify(target);
    let known = built.get(target.name);
    if (known?.spec !== spec) {
      known = { spec, ...targetDriver(target, { ...opts, workDir, replicaPorts }) };
      built.set(target.name, known);
    }
    const answer = await within(TARGET_REACH_MS, known.ping()).then(
      () => true as const,
      (err: Error) => err,
    );
    if (answer === true) {
      misses.delete(target.name);
      drivers.set(target.name, known.driver);
      if (!reached.has(target.name) && !first) log.info('a target answers: this worker takes its jobs now', { target: target.name });
      reached.add(target.name);
      return;
    }
    const missed = (misses.get(target.name) ?? 0) + 1;
    misses.set(target.name, missed);
    if (first || (!reached.has(target.name) && missed === 1))
      log.warn('a target does not answer; this worker takes none of its jobs', { target: target.name, reason: answer.message });
    else if (reached.has(target.name) && missed >= TARGET_LOSS_CHECKS) {
      reached.delete(target.name);
      log.warn('a target stopped answering; this worker takes none of its new jobs until it answers again', {
        target: target.name,
        reason: answer.message,
      });
    }
  };
  const runsJobs = opts.required || docker !== undefined;
  const recheck = async (first = false) => {
    if (!runsJobs) return false;
    const before = [...reached].sort().join(',');
    const targets = opts.config().targets;
    await Promise.all(targets.map((t) => probe(t, first)));
    for (const name of reached) if (!targets.some((t) => t.name === name)) reached.delete(name);
    return [...reached].sort().join(',') !== before;
  };
  await recheck(true);
  const localTargets = () => (drivers.has(LOCAL_TARGET) ? [LOCAL_TARGET] : []);
  return {
    docker,
    driver: createTargetRouter(drivers),
    reach: () => ({
      targets: new Set([...localTargets(), ...reached]),
      words: [...words, ...[...reached].sort().map((name) => `target ${name}`)],
    }),
    targetPings: () => new Map([...reached].map((name) => [name, built.get(name)!.ping] as const)),
    recheck: () => recheck(),
    async dropIdleSites(configured) {
      const out: Array<{ target: string; sites: string[] } | { target: string; error: string }> = [];
      for (const target of [...localTargets(), ...[...reached].sort()]) {
        const driver = drivers.get(target);
        if (!driver?.dropIdleSites) continue;
        out.push(
          await driver.dropIdleSites(configured).then(
            (sites) => ({ target, sites }),
            (err: Error) => ({ target, error: err.message }),
          ),
        );
      }
      return out;
    },
  };
}

/** A target's driver, and how to ask its engine whether it answers (nothing is asked yet). */
function targetDriver(
  target: TargetSpec,
  opts: {
    sshAgent?: string;
    instance: string;
    workDir: string;
    replicaPorts: () => string;
    secretValues: (names: ReadonlyArray<string>) => Record<string, string>;
    frontDoorSocket?: string;
    doorLock?: DoorLock;
  },
): { driver: Driver; ping: () => Promise<unknown> } {
  const docker = createDockerClient(target.host, { sshAgent: opts.sshAgent });
  const ping = () => docker.ping();
  if (target.kind === 'swarm') {
    // Each node's engine gets a front door (and the images, with no registry); without a list, the manager is the one node.
    const nodeEngines = target.nodes.map((host) => createDockerClient(host, { sshAgent: opts.sshAgent }));
    const driver = createSwarmDriver({
      docker,
      target,
      instance: opts.instance,
      workDir: join(opts.workDir, target.name),
      secretValues: opts.secretValues,
      nodeEngines,
      replicaPorts: opts.replicaPorts,
      ...(opts.doorLock ? { doorLock: opts.doorLock } : {}),
    });
    return { driver, ping };
  }
  const engine = engineLocation(target.host, target.location);
  const driver = createDockerDriver({
    docker,
    instance: opts.instance,
    workDir: join(opts.workDir, target.name),
    secretValues: opts.secretValues,
    frontDoor: engine.remote ? 'on-engine' : opts.frontDoorSocket ? createCaddyFrontDoor(opts.frontDoorSocket) : undefined,
    engine,
    replicaPorts: opts.replicaPorts,
    ...(opts.doorLock ? { doorLock: opts.doorLock } : {}),
  });
  return { driver, ping };
}
