import type { AppSpec } from '../config/schema.ts';
import { environmentTarget } from '../config/target-schema.ts';
import { UserError } from '../core/user-error.ts';
import type { Driver } from './driver.ts';

/**
 * The Docker runtime over several targets: each call goes to the driver of the app
 * environment's `target` (an engine or a Swarm; `local` is the engine at DOCKER_HOST). A worker
 * holds drivers only for the targets it reaches, and jobs reach a worker only through the
 * queues of those targets, so a missing one means the config changed under a running job.
 */
export function createTargetRouter(byTarget: ReadonlyMap<string, Driver>): Driver {
  const pick = (app: AppSpec, env: string): Driver => {
    const name = environmentTarget(app, env);
    const driver = byTarget.get(name);
    if (!driver)
      throw new UserError(
        'target_unreachable',
        `this worker does not reach the target ${name} of ${app.name} (${env}); it reaches ${[...byTarget.keys()].join(', ') || 'none'}. Send the command again: it goes to a worker that does`,
      );
    return driver;
  };
  return {
    runtime: 'docker',
    build: (target, ref, io) => pick(target.app, target.env).build(target, ref, io),
    deploy: (target, artifact, io) => pick(target.app, target.env).deploy(target, artifact, io),
    status: (app, env) => pick(app, env).status(app, env),
    scale: (target, n, io) => {
      const d = pick(target.app, target.env);
      if (!d.scale) throw new UserError('unsupported', `the target ${environmentTarget(target.app, target.env)} cannot scale`);
      return d.scale(target, n, io);
    },
    abandon: async (target, liveToken, io) => {
      const d = pick(target.app, target.env);
      return d.abandon ? d.abandon(target, liveToken, io) : 'removed';
    },
    pruneImages: async (app, env, keep, io) => {
      const d = pick(app, env);
      return d.pruneImages ? d.pruneImages(app, env, keep, io) : [];
    },
    reconcile: async (app, env, liveToken) => {
      const d = pick(app, env);
      return d.reconcile ? d.reconcile(app, env, liveToken) : [];
    },
    logs: (app, env, opts, io) => {
      const d = pick(app, env);
      if (!d.logs) throw new UserError('unsupported', `the target ${environmentTarget(app, env)} keeps no logs voxoz can read`);
      return d.logs(app, env, opts, io);
    },
  };
}
