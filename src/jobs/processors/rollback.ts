import { UserError } from '../../core/user-error.ts';
import type { JobProcessor } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';
import { keptElsewhere } from './prune-after-release.ts';
import { redeploy } from './redeploy.ts';
import { rollbackPlan } from './rollback-plan.ts';
import { parseReleaseNumber, releaseWordsProblem, rollbackTargets, unavailableTarget } from './rollback-targets.ts';
import { withDesiredReplicas } from './with-desired-replicas.ts';

/**
 * rollback <app> [to] <vN>: redeploys a stored release's artifact (no rebuild) through the
 * driver's copy-update-switch deploy, recorded as a new release that says `rollback of vN`.
 * Without a target: the newest earlier release that went live and whose image is kept and is
 * not the live one's.
 */
export const rollbackProcessor: JobProcessor = {
  mutates: true,
  async run(ctx) {
    const { data, config, drivers, releases, desired } = ctx;
    // Like deploy: a rollback starts the desired count (`scale`) plus a burst in progress.
    const app = await withDesiredReplicas(findApp(config, data.app, data.env), data.env, desired);
    checkEnvironment(app, data.env);
    const driver = driverFor(drivers, app);
    const words = typeof data.args.target === 'string' ? data.args.target : '';
    const wantedNumber = words ? parseReleaseNumber(words) : undefined;
    const badWords = words ? releaseWordsProblem(words) : undefined;
    if (badWords) throw new UserError('bad_release', badWords);
    const all = await releases.list(app.name, data.env);
    // An approved rollback is bound to the release that was live when it was asked for.
    const live = all.filter((r) => r.outcome === 'live').sort((a, b) => b.number - a.number)[0]?.number ?? 0;
    if (typeof data.args.bound === 'number' && data.args.bound !== live)
      throw new UserError(
        'approval_void',
        `v${live} of ${app.name} (${data.env}) went live after this rollback was approved against v${data.args.bound}; the approval no longer applies and nothing was done`,
      );
    const pruned = (await releases.pruned?.(app.name, data.env)) ?? new Set<string>();
    const targets = rollbackTargets(all, pruned);
    const from = wantedNumber === undefined ? targets[0] : targets.find((r) => r.number === wantedNumber);
    if (!from) throw new UserError('rollback_target_unavailable', unavailableTarget(app, data.env, all, targets, wantedNumber));
    if (data.args['dry-run'] === true)
      return rollbackPlan(
        driver,
        app,
        data.env,
        all,
        from,
        pruned,
        await keptElsewhere(releases, app, data.env),
        await releases.reserved?.(app.name, data.env),
      );
    return redeploy(ctx, app, data.env, driver, {
      source: from,
      as: { rollbackOf: from.number },
      says: (release) => `rolling ${app.name} back to v${from.number}'s image ${from.image ?? from.artifact} as v${release}, no rebuild`,
      title: (release, outcome) =>
        `${app.name} v${release} live: rollback of v${from.number} (${outcome.healthy}/${outcome.instances.length} healthy)`,
      release: (release) => `v${release} (rollback of v${from.number})`,
    });
  },
};
