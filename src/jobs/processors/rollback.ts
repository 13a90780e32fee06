import { environmentPort } from '../../config/app-environment.ts';
import { UserError } from '../../core/user-error.ts';
import type { JobProcessor } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';
import { keptElsewhere, pruneAfterRelease } from './prune-after-release.ts';
import { rollbackPlan } from './rollback-plan.ts';
import { parseReleaseNumber, releaseWordsProblem, rollbackTargets, unavailableTarget } from './rollback-targets.ts';
import { desiredAfterLive, withDesiredReplicas } from './with-desired-replicas.ts';

/**
 * rollback <app> [to] <vN>: redeploys a stored release's artifact (no rebuild) through the
 * driver's copy-update-switch deploy, recorded as a new release that says `rollback of vN`.
 * Without a target: the newest earlier release that went live and whose image is kept.
 */
export const rollbackProcessor: JobProcessor = {
  mutates: true,
  async run({ data, io, config, drivers, releases, reserve, desired }) {
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
    const release = await reserve('release', () => releases.next(app.name, data.env));
    const artifact = { id: from.artifact, name: from.image ?? from.artifact, ...(from.commit ? { commit: from.commit } : {}) };
    const record = (outcome: 'live' | 'failed' | 'cancelled') =>
      releases.record({
        app: app.name,
        env: data.env,
        number: release,
        artifact: artifact.id,
        image: from.image,
        commit: from.commit,
        deployedBy: data.requestedBy.id,
        ...(data.approvedBy ? { approvedBy: data.approvedBy.id } : {}),
        at: io.now().toISOString(),
        outcome,
        jobId: data.id,
        rollbackOf: from.number,
      });
    try {
      io.step('deploy', 'running');
      io.log(`rolling ${app.name} back to v${from.number}'s image ${artifact.name} as v${release}, no rebuild`);
      const outcome = await driver.deploy({ app, env: data.env, release, port: environmentPort(app, data.env) }, artifact, io);
      io.step('deploy', 'done');
      await record('live');
      await desiredAfterLive(findApp(config, data.app, data.env), data.env, desired);
      await pruneAfterRelease(driver, releases, app, data.env, io);
      return {
        title: `${app.name} v${release} live: rollback of v${from.number} (${outcome.healthy}/${outcome.instances.length} healthy)`,
        fields: [
          { label: 'release', value: `v${release} (rollback of v${from.number})` },
          { label: 'environment', value: data.env },
          ...(outcome.address ? [{ label: 'address', value: outcome.address }] : []),
          { label: 'image', value: `${artifact.name} (${artifact.id.replace(/^sha256:/, '').slice(0, 12)})` },
          { label: 'instances', value: outcome.instances.map((i) => `${i.name} at ${i.address}`).join('\n') },
        ],
      };
    } catch (err) {
      if (err instanceof UserError || io.signal.aborted) await record(io.signal.aborted ? 'cancelled' : 'failed').catch(() => undefined);
      throw err;
    }
  },
};
