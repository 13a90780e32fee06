import type { AppSpec } from '../../config/schema.ts';
import { UserError } from '../../core/user-error.ts';
import type { JobProcessor } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';
import { environmentPort } from '../../config/app-environment.ts';
import { desiredAfterLive, withDesiredReplicas } from './with-desired-replicas.ts';
import { keptElsewhere, pruneAfterRelease } from './prune-after-release.ts';
import { deployPlan } from './change-plans.ts';

/** What is wrong with building `app` at `ref` (a ref of an app built from a folder), or undefined. */
export function refProblem(app: AppSpec, ref: string | undefined): string | undefined {
  if (!ref || !('path' in app.source)) return undefined;
  return `${app.name} builds from the folder ${app.source.path}, so it has no git refs; run "deploy ${app.name}" without "${ref}"`;
}

/** deploy <app> [ref]: build, then copy-update-switch; record the release either way. */
export const deployProcessor: JobProcessor = {
  mutates: true,
  async run({ data, io, config, drivers, releases, reserve, desired, takeovers = 0 }) {
    // A deploy starts the desired count (`scale` stores it) and a burst's replicas.
    const app = await withDesiredReplicas(findApp(config, data.app, data.env), data.env, desired);
    checkEnvironment(app, data.env);
    const driver = driverFor(drivers, app);
    const ref = typeof data.args.ref === 'string' ? data.args.ref : undefined;
    const badRef = refProblem(app, ref);
    if (badRef) throw new UserError('ref_needs_git', badRef);
    if (data.args['dry-run'] === true) {
      const pruned = (await releases.pruned?.(app.name, data.env)) ?? new Set<string>();
      const elsewhere = await keptElsewhere(releases, app, data.env);
      const all = await releases.list(app.name, data.env);
      return deployPlan(driver, app, data.env, ref, all, pruned, elsewhere, await releases.reserved?.(app.name, data.env));
    }
    const release = await reserve('release', () => releases.next(app.name, data.env));
    const target = { app, env: data.env, release, port: environmentPort(app, data.env) };
    const record = (outcome: 'live' | 'failed' | 'cancelled', artifact?: { id: string; name: string; commit?: string }) =>
      releases.record({
        app: app.name,
        env: data.env,
        number: release,
        artifact: artifact?.id ?? '',
        image: artifact?.name,
        commit: artifact?.commit,
        deployedBy: data.requestedBy.id,
        ...(data.approvedBy ? { approvedBy: data.approvedBy.id } : {}),
        at: io.now().toISOString(),
        outcome,
        jobId: data.id,
      });
    // The second takeover: give up, unless the release was already switched to (then finishing it is the only truthful end).
    if (takeovers > 1 && driver.abandon && (await driver.abandon(target, await io.fence?.live(), io)) === 'removed') {
      await record('failed');
      const before = (await releases.list(app.name, data.env)).filter((r) => r.outcome === 'live').at(-1);
      throw new UserError(
        'worker_died',
        `the workers running this deploy stopped twice without finishing it (killed, crashed or cut off from Redis), so voxoz does not try again: v${release} was not switched to and what it started was removed; ${before ? `v${before.number} keeps serving` : 'nothing of it serves'}. Run "deploy ${app.name}" again if it is still wanted.`,
      );
    }
    let artifact: Awaited<ReturnType<typeof driver.build>> | undefined;
    try {
      io.step('build', 'running');
      io.checkpoint?.('build');
      artifact = await driver.build(target, ref, io);
      io.step('build', 'done');
      io.step('deploy', 'running');
      const outcome = await driver.deploy(target, artifact, io);
      io.step('deploy', 'done');
      io.checkpoint?.('ledger-write');
      await record('live', artifact);
      await desiredAfterLive(findApp(config, data.app, data.env), data.env, desired);
      await pruneAfterRelease(driver, releases, app, data.env, io);
      return {
        title: `${app.name} v${release} live (${outcome.healthy}/${outcome.instances.length} healthy)`,
        fields: [
          { label: 'release', value: `v${release}` },
          { label: 'environment', value: data.env },
          // The stable address (the front door), whichever replicas serve behind it.
          ...(outcome.address ? [{ label: 'address', value: outcome.address }] : []),
          { label: 'image', value: `${artifact.name} (${artifact.id.replace(/^sha256:/, '').slice(0, 12)})` },
          ...(artifact.commit ? [{ label: 'commit', value: artifact.commit.slice(0, 12) }] : []),
          { label: 'instances', value: outcome.instances.map((i) => `${i.name} at ${i.address}`).join('\n') },
        ],
      };
    } catch (err) {
      if (err instanceof UserError || io.signal.aborted)
        await record(io.signal.aborted ? 'cancelled' : 'failed', artifact).catch(() => undefined);
      throw err;
    }
  },
};
