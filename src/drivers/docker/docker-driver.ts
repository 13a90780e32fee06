import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { DEFAULT_REPLICA_PORTS, parsePortRange } from '../../config/port-range.ts';
import type { AppSpec } from '../../config/schema.ts';
import { environmentPort, hasEnvironment } from '../../config/app-environment.ts';
import { type DoorLock, processDoorLock } from '../../frontdoor/door-lock.ts';
import type { FrontDoor } from '../../frontdoor/front-door.ts';
import { UserError } from '../../core/user-error.ts';
import type { Driver } from '../driver.ts';
import { withTimeLimit } from '../with-time-limit.ts';
import { buildImage } from './build-image.ts';
import { checkoutGit } from '../checkout-git.ts';
import { appLogs } from './container-logs.ts';
import { deployContainers } from './deploy-containers.ts';
import { createEngineFrontDoor } from './engine-front-door.ts';
import type { EngineLocation } from './engine-location.ts';
import { LABEL, imageTag } from './labels.ts';
import { listAppContainers, listInstances } from './list-instances.ts';
import { pointFrontDoor, siteOf } from './point-front-door.ts';
import { pruneImages } from './prune-images.ts';
import { fenceOf, reconcileContainers } from './reconcile.ts';
import { scaleReplicas } from './scale-replicas.ts';

export interface DockerDriverDeps {
  docker: Docker;
  /** Names this installation's containers and images and labels them `voxoz.instance`. @defaultValue the queue name, "voxoz" */
  instance: string;
  /** Scratch space for git checkouts; each build gets its own folder, removed afterwards. */
  workDir: string;
  /**
   * Values of the app's `secrets`, by name, from voxoz's environment. Throws a UserError naming
   * each variable that is unset or too short to mask; `build` calls it first, so such a deploy
   * fails before anything is built.
   */
  secretValues: (names: ReadonlyArray<string>) => Record<string, string>;
  /**
   * Every app environment's stable address; deploys switch it, the reconciler points it at the
   * live release. Needed to deploy and reconcile: a driver without one only builds and reports
   * status (as the build tests use it).
   */
  frontDoor?: FrontDoor | 'on-engine';
  /** The shared replica port range (`frontDoor.replicaPorts`, read at each deploy so a reload applies) for environments without their own. @defaultValue "20000-29999" */
  replicaPorts?: () => string;
  /**
   * Where the engine runs (`engineLocation`): a remote engine's replicas are health-checked by
   * the engine itself and reported at its host's address. voxoz's own Caddy cannot reach their
   * 127.0.0.1: give such a driver `frontDoor: 'on-engine'` (a Caddy container on that engine,
   * `createEngineFrontDoor`) or none (deploys then switch nothing); see
   * docs/decisions/2026-12-02-remote-engine.md. @defaultValue local
   */
  engine?: EngineLocation;
  /** The lock of the front door on the engine ('on-engine') and of the replica ports picked there, shared by every voxoz process that reaches the engine. @defaultValue this process' own */
  doorLock?: DoorLock;
}

/** The Docker Engine driver (one engine, host networking, replicas behind the front door). Swarm mode joins with the full Docker runtime. */
export function createDockerDriver({
  docker,
  instance,
  workDir,
  secretValues,
  frontDoor: given,
  replicaPorts = () => DEFAULT_REPLICA_PORTS,
  engine = { remote: false },
  doorLock,
}: DockerDriverDeps): Driver {
  if (engine.remote && given && given !== 'on-engine')
    throw new Error(
      `voxoz's front door cannot serve replicas of a remote Docker engine${engine.address ? ` (${engine.address})` : ''}: they bind 127.0.0.1 on the engine's host, not voxoz's. Give it the front door on the engine ('on-engine'), or none (deploys then switch nothing)`,
    );
  const door = given === 'on-engine' ? createEngineFrontDoor(docker, instance, {}, doorLock) : given;
  const portsLock = doorLock ?? processDoorLock;
  const frontDoor = (): FrontDoor | undefined => {
    if (engine.remote && !door) return undefined;
    if (!door) throw new Error('this Docker driver was made without a front door; it can build and report status, not deploy');
    return door;
  };
  const portsOf = (app: AppSpec, env: string) =>
    parsePortRange((hasEnvironment(app, env) ? app.environments[env]?.replicaPorts : undefined) ?? replicaPorts());
  return {
    runtime: 'docker',
    async build({ app, env, release }, ref, io) {
      secretValues(app.secrets);
      const tag = imageTag(instance, app.name, env, release);
      const labels = { [LABEL.instance]: instance, [LABEL.app]: app.name, [LABEL.env]: env, [LABEL.release]: String(release) };
      const { timeoutSeconds, cloneTimeoutSeconds } = app.build;
      const buildWithin = (contextDir: string, imageLabels: Record<string, string>) =>
        withTimeLimit(
          io,
          timeoutSeconds,
          () =>
            new UserError(
              'build_timeout',
              `the image build of ${app.name} ran longer than its limit of ${timeoutSeconds} s (apps[].build.timeoutSeconds) and was stopped; nothing it made was kept. Make the build faster or raise the limit in voxoz.yml`,
            ),
          (limited) => buildImage(docker, contextDir, app.dockerfile, tag, imageLabels, limited),
        );
      if ('path' in app.source) {
        io.log(`building ${tag} from ${app.source.path}`);
        const id = await buildWithin(app.source.path, labels);
        return { id, name: tag };
      }
      mkdirSync(workDir, { recursive: true });
      const dir = mkdtempSync(join(workDir, `${app.name}-`));
      try {
        const commit = await checkoutGit(app.source.git, ref ?? app.source.ref, dir, io, cloneTimeoutSeconds);
        const id = await buildWithin(dir, { ...labels, 'voxoz.commit': commit });
        return { id, name: tag, commit };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    deploy: (target, artifact, io) =>
      deployContainers(
        { docker, instance, frontDoor: frontDoor(), engine, portsLock },
        target,
        artifact,
        secretValues(target.app.secrets),
        portsOf(target.app, target.env),
        io,
      ),
    scale: (target, n, io) =>
      scaleReplicas(
        { docker, instance, frontDoor: frontDoor(), engine, portsLock },
        target,
        n,
        secretValues(target.app.secrets),
        portsOf(target.app, target.env),
        io,
      ),
    pruneImages: (app, env, keep, io) => pruneImages(docker, instance, app.name, env, keep, io),
    logs: (app, env, opts, io) => appLogs(docker, instance, app.name, env, opts, io.now(), opts.stop ?? io.signal),
    status: (app, env) => listInstances(docker, instance, app.name, env, app.health.path, engine),
    async abandon({ app, env, release }, liveToken, io) {
      const ours = (await listAppContainers(docker, instance, app.name, env)).filter((c) => Number(c.Labels[LABEL.release]) === release);
      if (liveToken !== undefined && ours.some((c) => fenceOf(c) === liveToken)) return 'live';
      for (const c of ours) {
        await docker.getContainer(c.Id).remove({ force: true });
        io.log(`removed ${c.Names[0]?.slice(1)}, left by an attempt whose worker died`);
      }
      return 'removed';
    },
    // voxoz's own front door is freed by its process (main.ts); the one on a remote engine here.
    ...(given === 'on-engine' && door?.dropIdle ? { dropIdleSites: (configured) => door.dropIdle!(instance, configured) } : {}),
    async reconcile(app, env, liveToken) {
      // The front door first: a deploy that died between claiming the live token and the switch left it on the older replicas.
      const serving = (await listAppContainers(docker, instance, app.name, env)).filter((c) => fenceOf(c) === liveToken);
      const door = frontDoor();
      if (door) await pointFrontDoor(door, siteOf(instance, app.name, env, environmentPort(app, env)), serving, liveToken);
      return reconcileContainers(docker, instance, app.name, env, liveToken);
    },
  };
}
