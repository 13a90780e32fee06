import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { UserError } from '../../core/user-error.ts';
import type { Driver } from '../driver.ts';
import { withTimeLimit } from '../with-time-limit.ts';
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
  /**
   * Values of the app's `secrets`, by name, from voxoz's environment. Throws a UserError naming
   * each variable that is unset or too short to mask; `build` calls it first, so such a deploy
   * fails before anything is built.
   */
  secretValues: (names: ReadonlyArray<string>) => Record<string, string>;
}

/** The Docker Engine driver (one engine, host networking). Swarm mode joins with the full Docker runtime. */
export function createDockerDriver({ docker, instance, workDir, secretValues }: DockerDriverDeps): Driver {
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
    deploy: (target, artifact, io) => deployContainers(docker, instance, target, artifact, secretValues(target.app.secrets), io),
    status: (app, env) => listInstances(docker, instance, app.name, env, app.health.path),
    reconcile: (app, env, liveToken) => reconcileContainers(docker, instance, app.name, env, liveToken),
  };
}
