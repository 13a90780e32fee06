import { environmentPort } from '../../config/app-environment.ts';
import type { AppSpec } from '../../config/schema.ts';
import { UserError } from '../../core/user-error.ts';
import type { DeployOutcome, Driver } from '../../drivers/driver.ts';
import type { Release } from '../../store/release-store.ts';
import type { JobResult, ProcessorContext } from './processor.ts';
import { findApp } from './processor.ts';
import { pruneAfterRelease } from './prune-after-release.ts';
import { desiredAfterLive } from './with-desired-replicas.ts';

export const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** A stored artifact deployed again, with no rebuild: by `rollback`, `promote` or `restart`. */
export interface Redeploy {
  /** The release whose artifact is deployed (of this environment, or of another for a promotion). */
  source: Release;
  /** What the new release records beside it. */
  as: Pick<Release, 'rollbackOf' | 'promotedFrom' | 'restartOf'>;
  /** The job's log line before the deploy, given the new release's number. */
  says(release: number): string;
  /** The reply's title once it is live. */
  title(release: number, outcome: DeployOutcome): string;
  /** The reply's `release` field, e.g. "v5 (rollback of v3)". */
  release(release: number): string;
  /** Added after the image in the reply, e.g. ", no rebuild". @defaultValue "" */
  imageNote?: string;
}

/**
 * Reserves the next release of env, runs the driver's copy-update-switch deploy of the source's
 * artifact, records the release (live, or failed or cancelled when it stops on a user-facing
 * error or a cancel) and, once live, resets a desired count of 0 and runs image retention.
 * `app` is the app as it should start (withDesiredReplicas).
 */
export async function redeploy(ctx: ProcessorContext, app: AppSpec, env: string, driver: Driver, r: Redeploy): Promise<JobResult> {
  const { data, io, config, releases, reserve, desired } = ctx;
  const release = await reserve('release', () => releases.next(app.name, env));
  const { source } = r;
  const artifact = { id: source.artifact, name: source.image ?? source.artifact, ...(source.commit ? { commit: source.commit } : {}) };
  const record = (outcome: 'live' | 'failed' | 'cancelled') =>
    releases.record({
      app: app.name,
      env,
      number: release,
      artifact: artifact.id,
      image: source.image,
      commit: source.commit,
      deployedBy: data.requestedBy.id,
      ...(data.approvedBy ? { approvedBy: data.approvedBy.id } : {}),
      at: io.now().toISOString(),
      outcome,
      jobId: data.id,
      ...r.as,
    });
  try {
    io.step('deploy', 'running');
    io.log(r.says(release));
    const outcome = await driver.deploy({ app, env, release, port: environmentPort(app, env) }, artifact, io);
    io.step('deploy', 'done');
    await record('live');
    await desiredAfterLive(findApp(config, data.app, env), env, desired);
    await pruneAfterRelease(driver, releases, app, env, io);
    return {
      title: r.title(release, outcome),
      fields: [
        { label: 'release', value: r.release(release) },
        { label: 'environment', value: env },
        ...(outcome.address ? [{ label: 'address', value: outcome.address }] : []),
        { label: 'image', value: `${artifact.name} (${shortId(artifact.id)})${r.imageNote ?? ''}` },
        { label: 'instances', value: outcome.instances.map((i) => `${i.name} at ${i.address}`).join('\n') },
      ],
    };
  } catch (err) {
    if (err instanceof UserError || io.signal.aborted) await record(io.signal.aborted ? 'cancelled' : 'failed').catch(() => undefined);
    throw err;
  }
}
