import type { AppSpec } from '../../config/schema.ts';
import type { Driver, DriverIO } from '../../drivers/driver.ts';
import { keptArtifacts } from '../../store/kept-artifacts.ts';
import type { ReleaseStore } from '../../store/release-store.ts';

/**
 * Image retention, run after a release went live (deploy or rollback): deletes the app
 * environment's images outside `keptArtifacts(ledger, app.keepImages)` and notes them in the
 * ledger as pruned, so `rollback` refuses them and `releases` shows them gone. A failure here
 * is logged, never fails the release that already serves.
 */
export async function pruneAfterRelease(driver: Driver, releases: ReleaseStore, app: AppSpec, env: string, io: DriverIO): Promise<void> {
  if (!driver.pruneImages) return;
  try {
    const keep = keptArtifacts(await releases.list(app.name, env), app.keepImages);
    const removed = await driver.pruneImages(app, env, keep, io);
    await releases.markPruned?.(app.name, env, removed);
  } catch (err) {
    io.log(`image retention skipped: ${err instanceof Error ? err.message : String(err)}`);
  }
}
