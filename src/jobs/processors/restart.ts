import { UserError } from '../../core/user-error.ts';
import type { JobProcessor } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';
import { keptElsewhere } from './prune-after-release.ts';
import { redeploy, shortId } from './redeploy.ts';
import { redeployPlan } from './rollback-plan.ts';
import { withDesiredReplicas } from './with-desired-replicas.ts';

/**
 * restart <app>: starts the live release's artifact afresh (no rebuild) through the driver's
 * copy-update-switch deploy, with voxoz.yml's settings as they are now (variables, secrets,
 * limits, health check), recorded as a new release that says `restart of vN`. The desired count
 * and a burst in progress are kept. Refused, with nothing changed, when nothing is live or the
 * app is scaled to 0; an approved restart is void once another release went live.
 */
export const restartProcessor: JobProcessor = {
  mutates: true,
  async run(ctx) {
    const { data, config, drivers, releases, desired } = ctx;
    const env = data.env;
    const configured = findApp(config, data.app, env);
    checkEnvironment(configured, env);
    const app = await withDesiredReplicas(configured, env, desired);
    const driver = driverFor(drivers, app);
    const flag = env === 'production' ? '' : ` --env ${env}`;
    const all = await releases.list(app.name, env);
    const live = all.filter((r) => r.outcome === 'live' && r.artifact).at(-1);
    if (!live)
      throw new UserError(
        'no_live_release',
        `${app.name} (${env}) has no live release to restart; deploy it first with "deploy ${app.name}${flag}"`,
      );
    if (typeof data.args.bound === 'number' && data.args.bound !== live.number)
      throw new UserError(
        'approval_void',
        `v${live.number} of ${app.name} (${env}) went live after this restart was approved against v${data.args.bound}; the approval no longer applies and nothing was done`,
      );
    if (desired && (await desired.get(app.name, env, configured.replicas)) === 0)
      throw new UserError(
        'scaled_to_zero',
        `${app.name} (${env}) is scaled to 0, so no replica runs to restart; "scale ${app.name} <n>${flag}" starts v${live.number} again`,
      );
    const as = { restartOf: live.number };
    if (data.args['dry-run'] === true) {
      const pruned = (await releases.pruned?.(app.name, env)) ?? new Set<string>();
      const would = (next: number) => `would restart v${live.number} as v${next}`;
      const elsewhere = await keptElsewhere(releases, app, env);
      return redeployPlan(driver, app, env, all, { image: live, as, would }, pruned, elsewhere, await releases.reserved?.(app.name, env));
    }
    return redeploy(ctx, app, env, driver, {
      source: live,
      as,
      says: (release) =>
        `restarting ${app.name} v${live.number} (image ${live.image ?? live.artifact}, ${shortId(live.artifact)}) as v${release}: new replicas beside the running ones, no rebuild`,
      title: (release, outcome) =>
        `${app.name} v${release} live: restart of v${live.number} (${outcome.healthy}/${outcome.instances.length} healthy)`,
      release: (release) => `v${release} (restart of v${live.number})`,
      imageNote: ', no rebuild',
    });
  },
};
