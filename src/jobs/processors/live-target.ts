import type { AppSpec } from '../../config/schema.ts';
import { environmentPort } from '../../config/app-environment.ts';
import { UserError } from '../../core/user-error.ts';
import type { ScaleTarget } from '../../drivers/driver.ts';
import type { ReleaseStore } from '../../store/release-store.ts';

/** What `scale` and `burst` act on: the newest release of app+env that went live, with its image. Refused when there is none. */
export async function liveTarget(releases: ReleaseStore, app: AppSpec, env: string): Promise<ScaleTarget> {
  const live = (await releases.list(app.name, env)).filter((r) => r.outcome === 'live' && r.artifact).at(-1);
  if (!live)
    throw new UserError(
      'no_live_release',
      `${app.name} (${env}) has no live release to scale; deploy it first with "deploy ${app.name}${env === 'production' ? '' : ` --env ${env}`}"`,
    );
  return {
    app,
    env,
    release: live.number,
    port: environmentPort(app, env),
    artifact: { id: live.artifact, name: live.image ?? live.artifact, ...(live.commit ? { commit: live.commit } : {}) },
  };
}
