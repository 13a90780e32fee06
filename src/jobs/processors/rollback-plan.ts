import type { AppSpec } from '../../config/schema.ts';
import type { Driver } from '../../drivers/driver.ts';
import { keptArtifacts } from '../../store/kept-artifacts.ts';
import type { Release } from '../../store/release-store.ts';
import { gated, instances, switchTo } from './change-plans.ts';
import type { JobResult } from './processor.ts';

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** What a rollback or a promotion would add to env's ledger: the image it redeploys and the words of its title. */
interface Redeploy {
  /** The release whose image is redeployed (of this environment, or of another for a promotion). */
  image: Release;
  /** What the new release records beside it: `rollbackOf`, `promotedFrom` or `restartOf`. */
  as: Pick<Release, 'rollbackOf' | 'promotedFrom' | 'restartOf'>;
  /** "would roll back to v2 as v5". */
  would: (next: number) => string;
}

/**
 * What `rollback --dry-run` and `promote --dry-run` would do, read from the ledger and the
 * engine; nothing is reserved, started, switched, retired or deleted. The would-be release counts
 * as live when image retention is worked out, as it would after the real one.
 */
export async function redeployPlan(
  driver: Driver,
  app: AppSpec,
  env: string,
  all: ReadonlyArray<Release>,
  redeploy: Redeploy,
  pruned: ReadonlySet<string>,
  /** Artifacts the app's other environments keep (keptElsewhere): retention would not delete them. */
  elsewhere: ReadonlySet<string> = new Set(),
  /** The highest release number reserved (ReleaseStore.reserved): a running deploy's is not in the ledger yet. */
  reserved = 0,
): Promise<JobResult> {
  const { image } = redeploy;
  const running = await driver.status(app, env);
  const next = Math.max(reserved, ...all.map((r) => r.number)) + 1;
  const after = [...all, { ...image, env, number: next, outcome: 'live' as const, ...redeploy.as }];
  const keep = keptArtifacts(after, app.keepImages);
  const deleted = [...new Set(all.map((r) => r.artifact).filter((a) => a && !keep.has(a) && !pruned.has(a) && !elsewhere.has(a)))];
  return {
    title: `dry run: ${app.name} (${env}) ${redeploy.would(next)}; nothing was changed`,
    fields: [
      { label: 'image', value: `${image.image ?? image.artifact} (${short(image.artifact)}), no rebuild` },
      { label: 'start', value: `${instances(app, app.replicas)} beside the running ones, ${gated(app)}` },
      { label: 'switch', value: switchTo(app, env, 'them') },
      { label: 'retire', value: running.length > 0 ? running.map((i) => i.name).join('\n') : 'nothing runs now' },
      { label: 'delete images', value: deleted.length > 0 ? deleted.map(short).join(', ') : 'none' },
    ],
  };
}

/** rollback --dry-run: `from` is the release rolled back to. */
export const rollbackPlan = (
  driver: Driver,
  app: AppSpec,
  env: string,
  all: ReadonlyArray<Release>,
  from: Release,
  pruned: ReadonlySet<string>,
  elsewhere?: ReadonlySet<string>,
  reserved?: number,
): Promise<JobResult> =>
  redeployPlan(
    driver,
    app,
    env,
    all,
    { image: from, as: { rollbackOf: from.number }, would: (next) => `would roll back to v${from.number} as v${next}` },
    pruned,
    elsewhere,
    reserved,
  );
