import { UserError } from '../../core/user-error.ts';
import type { JobProcessor } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';
import { keptElsewhere } from './prune-after-release.ts';
import { redeploy, shortId } from './redeploy.ts';
import { redeployPlan } from './rollback-plan.ts';
import { withDesiredReplicas } from './with-desired-replicas.ts';

/** A promote from an environment to itself: what is wrong and what would be right (the command refuses it before it is queued). */
export function sameEnvironmentProblem(app: string, from: string, to: string): string | undefined {
  return from === to
    ? `${app}: promote needs two different environments, got "${from}" twice; e.g. "promote ${app} staging production"`
    : undefined;
}

/**
 * promote <app> <from-env> <to-env>: deploys exactly the artifact that is live in from-env to
 * to-env (no rebuild) through the driver's copy-update-switch, as a new release of to-env that
 * says "promoted from <env> vN". The job runs as a to-env job (`envArg`): it holds to-env's
 * lock and is refused while a person locks to-env. With --dry-run: the plan, and nothing changed.
 */
export const promoteProcessor: JobProcessor = {
  mutates: true,
  async run(ctx) {
    const { data, config, drivers, releases, desired } = ctx;
    const from = String(data.args['from-env'] ?? '');
    const to = data.env;
    const app = await withDesiredReplicas(findApp(config, data.app, to), to, desired);
    checkEnvironment(app, from);
    checkEnvironment(app, to);
    const same = sameEnvironmentProblem(app.name, from, to);
    if (same) throw new UserError('promote_same_env', same);
    const driver = driverFor(drivers, app);
    const source = (await releases.list(app.name, from)).filter((r) => r.outcome === 'live' && r.artifact).at(-1);
    if (!source)
      throw new UserError(
        'nothing_live',
        `${app.name} has nothing live in ${from} to promote; deploy it there first with "deploy ${app.name} --env ${from}"`,
      );
    if (data.args['dry-run'] === true) {
      const would = (next: number) => `would promote ${from} v${source.number} to ${to} as v${next}`;
      const as = { promotedFrom: { env: from, number: source.number } };
      const pruned = (await releases.pruned?.(app.name, to)) ?? new Set<string>();
      const all = await releases.list(app.name, to);
      const elsewhere = await keptElsewhere(releases, app, to);
      return redeployPlan(driver, app, to, all, { image: source, as, would }, pruned, elsewhere, await releases.reserved?.(app.name, to));
    }
    return redeploy(ctx, app, to, driver, {
      source,
      as: { promotedFrom: { env: from, number: source.number } },
      says: (release) =>
        `promoting ${app.name} ${from} v${source.number} (image ${source.image ?? source.artifact}, ${shortId(source.artifact)}) to ${to} as v${release}, no rebuild`,
      title: (release, outcome) =>
        `${app.name} v${release} live in ${to}: promoted from ${from} v${source.number} (${outcome.healthy}/${outcome.instances.length} healthy)`,
      release: (release) => `v${release} (promoted from ${from} v${source.number})`,
      imageNote: ', no rebuild',
    });
  },
};
