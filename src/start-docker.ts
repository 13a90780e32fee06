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
import { displayUrl } from './observability/display-url.ts';
import type { Logger } from './observability/logger.ts';

/** How long a worker waits for a target's engine to answer when it starts, before it takes none of its jobs. @defaultValue 5000 */
export const TARGET_REACH_MS = 5000;

type Docker = ReturnType<typeof createDockerClient>;

export interface DockerRuntime {
  /** The engine at DOCKER_HOST (the `local` target); undefined in a bot-only process where none answers. */
  docker: Docker | undefined;
  /** The Docker runtime's driver: each call goes to the app environment's target. */
  driver: Driver;
  /** The targets this process reaches (`local` when an engine answered at DOCKER_HOST), with words for `voxoz workers`. */
  reach: { targets: ReadonlySet<string>; words: string[] };
  /** Asks each reached target's engine (not `local`, which is `docker`) whether it answers now, for `/readyz`. */
  targetPings: ReadonlyMap<string, () => Promise<unknown>>;
}

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
  log: Logger;
}): Promise<DockerRuntime> {
  const { log } = opts;
  const drivers = new Map<string, Driver>();
  const targetPings = new Map<string, () => Promise<unknown>>();
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
        }),
      );
      words.push(`Docker engine ${displayUrl(opts.dockerHost)}`);
    }
  } else if (opts.required) {
    throw new Error('no Docker engine: set DOCKER_HOST');
  }
  if (opts.required || docker) {
    for (const target of opts.config().targets) {
      const reached = await targetDriver(target, { ...opts, workDir, replicaPorts });
      if (reached) {
        const { driver, ping } = reached;
        targetPings.set(target.name, ping);
        drivers.set(target.name, driver);
        words.push(`target ${target.name}`);
      }
    }
  }
  return { docker, driver: createTargetRouter(drivers), reach: { targets: new Set(drivers.keys()), words }, targetPings };
}

/** A target's driver (and how to ask its engine again) when its engine answers now; undefined (and a warning) otherwise. */
async function targetDriver(
  target: TargetSpec,
  opts: {
    sshAgent?: string;
    instance: string;
    workDir: string;
    replicaPorts: () => string;
    secretValues: (names: ReadonlyArray<string>) => Record<string, string>;
    frontDoorSocket?: string;
    log: Logger;
  },
): Promise<{ driver: Driver; ping: () => Promise<unknown> } | undefined> {
  const docker = createDockerClient(target.host, { sshAgent: opts.sshAgent });
  const ping = () => docker.ping();
  const timeout = new Promise<never>((_, reject) => {
    setTimeout(() => reject(new Error(`no answer within ${TARGET_REACH_MS} ms`)), TARGET_REACH_MS).unref();
  });
  const answered = await Promise.race([docker.ping(), timeout]).then(
    () => true,
    (err: Error) => {
      opts.log.warn('a target does not answer; this worker takes none of its jobs', { target: target.name, reason: err.message });
      return false;
    },
  );
  if (!answered) return undefined;
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
  });
  return { driver, ping };
}
