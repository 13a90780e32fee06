import type { AppSpec } from '../../config/schema.ts';
import type { Driver, DriverIO } from '../../drivers/driver.ts';
import { keptArtifacts } from '../../store/kept-artifacts.ts';
import type { ReleaseStore } from '../../store/release-store.ts';

/**
 * Image retention, run after a release went live (deploy, rollback or promote): deletes the
 * app environment's images outside `keptArtifacts(ledger, app.keepImages)` and notes them in
 * the ledger as pruned, so `rollback` refuses them and `releases` shows them gone. An image
 * another environment of the app keeps (one `promote` took there) stays too: each
 * environment's ledger counts. A failure here is logged, never fails the release that already
 * serves.
 */
/** The artifacts the app's other environments keep by their own ledgers (images `promote` took there). */
export async function keptElsewhere(releases: ReleaseStore, app: AppSpec, env: string): Promise<Set<string>> {
  const kept = new Set<string>();
  for (const other of Object.keys(app.environments).filter((e) => e !== env))
    for (const artifact of keptArtifacts(await releases.list(app.name, other), app.keepImages)) kept.add(artifact);
  return kept;
}

export async function pruneAfterRelease(driver: Driver, releases: ReleaseStore, app: AppSpec, env: string, io: DriverIO): Promise<void> {
  if (!driver.pruneImages) return;
  try {
    const keep = keptArtifacts(await releases.list(app.name, env), app.keepImages);
    for (const artifact of await keptElsewhere(releases, app, env)) keep.add(artifact);
    const removed = await driver.pruneImages(app, env, keep, io);
    await releases.markPruned?.(app.name, env, removed);
  } catch (err) {
    io.log(`image retention skipped: ${err instanceof Error ? err.message : String(err)}`);
  }
}
