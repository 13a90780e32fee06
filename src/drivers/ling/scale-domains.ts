import type { DeployOutcome, DriverIO, ScaleTarget } from '../driver.ts';
import type { ImageStore } from './image-store.ts';
import { createDomains, destroyAll, lingOf, ourDomains, snapshotHosts, toInstance } from './ling-domains.ts';
import { ensureImage } from './ling-domains.ts';
import { placeDomains } from './place-domains.ts';
import { waitReady } from './wait-ready.ts';
import type { XenHost } from './xen-host.ts';

/**
 * Sets the live release's domains to `n`: new ones boot beside the running ones and must print
 * the ready line (a failure destroys them and leaves the count as it was); fewer destroys the
 * highest indexes first. New domains carry the serving token, so they belong to the live set.
 */
export async function scaleDomains(
  hosts: ReadonlyArray<XenHost>,
  store: ImageStore,
  target: ScaleTarget,
  n: number,
  io: DriverIO,
): Promise<DeployOutcome> {
  const { app, env, release } = target;
  const ling = lingOf(app);
  const snapshots = await snapshotHosts(hosts, io.signal);
  const running = ourDomains(snapshots, app.name, env)
    .filter((d) => d.release === release)
    .sort((a, b) => a.index - b.index);
  const token = io.fence ? await io.fence.live() : undefined;
  if (n > running.length) {
    const image = store.get(app.name, target.artifact.id);
    const used = new Set(running.map((d) => d.index));
    const indexes: number[] = [];
    for (let i = 0; indexes.length < n - running.length; i++) if (!used.has(i)) indexes.push(i);
    const picked = placeDomains(snapshots, indexes.length, ling.memory, `${app.name} (${env})`);
    const picks = picked.map((host, k) => ({ snapshot: snapshots.find((s) => s.host === host)!, index: indexes[k]! }));
    const created: Array<{ host: XenHost; name: string }> = [];
    try {
      for (const s of new Set(picks.map((p) => p.snapshot))) await ensureImage(s, image, io);
      await createDomains(picks, app, env, release, image, token ?? running[0]?.fence, io, (d) => created.push(d));
      await waitReady(created, ling.readyLine, ling.readyTimeoutSeconds, io);
    } catch (err) {
      await destroyAll(created, io, io.signal.aborted ? 'cancelled' : `the scale failed; ${running.length} keep running`);
      throw err;
    }
  } else if (n < running.length) {
    const extra = running.slice(n).reverse();
    await destroyAll(
      extra.map((d) => ({ host: d.hostRef, name: d.name })),
      io,
      `scaled to ${n}`,
    );
  } else io.log(`${app.name} (${env}) already runs ${n} domain${n === 1 ? '' : 's'} of v${release}`);
  const now = ourDomains(await snapshotHosts(hosts), app.name, env)
    .filter((d) => d.release === release)
    .map(toInstance);
  return { instances: now, healthy: now.filter((i) => i.healthy).length };
}
