import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Driver } from '../driver.ts';
import { buildImage } from './build-image.ts';
import { checkoutGit } from './checkout-git.ts';
import { deployContainers } from './deploy-containers.ts';
import { LABEL, imageTag } from './labels.ts';
import { listInstances } from './list-instances.ts';
import { reconcileContainers } from './reconcile.ts';

export interface DockerDriverDeps {
  docker: Docker;
  /** Names this installation's containers and images and labels them `voxoz.instance`. @defaultValue the queue name, "voxoz" */
  instance: string;
  /** Scratch space for git checkouts; each build gets its own folder, removed afterwards. */
  workDir: string;
  /** Values of the app's `secrets`, by name; read once from voxoz's environment. */
  secretValues: (names: ReadonlyArray<string>) => Record<string, string>;
}

/** The Docker Engine driver (one engine, host networking). Swarm mode joins with the full Docker runtime. */
export function createDockerDriver({ docker, instance, workDir, secretValues }: DockerDriverDeps): Driver {
  return {
    runtime: 'docker',
    async build({ app, env, release }, ref, io) {
      const tag = imageTag(instance, app.name, env, release);
      const labels = { [LABEL.instance]: instance, [LABEL.app]: app.name, [LABEL.env]: env, [LABEL.release]: String(release) };
      if ('path' in app.source) {
        io.log(`building ${tag} from ${app.source.path}`);
        const id = await buildImage(docker, app.source.path, app.dockerfile, tag, labels, io);
        return { id, name: tag };
      }
      mkdirSync(workDir, { recursive: true });
      const dir = mkdtempSync(join(workDir, `${app.name}-`));
      try {
        const commit = await checkoutGit(app.source.git, ref ?? app.source.ref, dir, io);
        const id = await buildImage(docker, dir, app.dockerfile, tag, { ...labels, 'voxoz.commit': commit }, io);
        return { id, name: tag, commit };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    deploy: (target, artifact, io) => deployContainers(docker, instance, target, artifact, secretValues(target.app.secrets), io),
    status: (app, env) => listInstances(docker, instance, app.name, env, app.health.path),
    reconcile: (app, env, liveToken) => reconcileContainers(docker, instance, app.name, env, liveToken),
  };
}
