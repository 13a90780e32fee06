import { UserError, isUserError } from '../../core/user-error.ts';
import type { Artifact, DeployOutcome, DeployTarget, DriverIO } from '../driver.ts';
import type { ImageStore } from './image-store.ts';
import { createDomains, destroyAll, ensureImage, lingOf, ourDomains, snapshotHosts, toInstance } from './ling-domains.ts';
import { placeDomains } from './place-domains.ts';
import { waitReady } from './wait-ready.ts';
import { watchDomains } from './watch-domains.ts';
import type { XenHost } from './xen-host.ts';

/**
 * Copy-update-switch with domains. **Copy**: the image goes to each picked host once
 * (content-addressed), one domain config per instance is written and `xl create`d beside the
 * running release. **Update**: every new domain must print the app's ready line, then keep
 * running for `health.watchSeconds` when that is set. **Switch**:
 * the release's token is claimed as the serving one (LING domains have no front door; the
 * serving set is what the ledger and the token say). **Retire**: the older release's domains
 * are destroyed. Until the switch nothing that runs is touched: a failed start, a cancel or a
 * lost lock destroys the new domains and the old ones keep running.
 */
export async function deployDomains(
  hosts: ReadonlyArray<XenHost>,
  store: ImageStore,
  target: DeployTarget,
  artifact: Artifact,
  io: DriverIO,
): Promise<DeployOutcome> {
  const { app, env, release } = target;
  const ling = lingOf(app);
  const { fence } = io;
  const live = fence ? await fence.live() : undefined;
  let snapshots = await snapshotHosts(hosts, io.signal);
  let ours = ourDomains(snapshots, app.name, env);
  // A takeover of this job whose earlier attempt got as far as the switch: finish from there.
  if (live !== undefined && ours.some((d) => d.release === release && d.fence === live)) {
    io.log(`v${release} went live in an earlier attempt of this job (its worker stopped after the switch); finishing from there`);
    io.checkpoint?.('retire');
    await destroyAll(
      ours.filter((d) => d.fence !== live).map((d) => ({ host: d.hostRef, name: d.name })),
      io,
      'retired',
    );
    const mine = ours.filter((d) => d.release === release).map(toInstance);
    return { instances: mine, healthy: mine.filter((i) => i.healthy).length };
  }
  // Leftovers: domains of stale lock holders, and of an attempt of this very job that died mid-way.
  // (A domain whose token is older than the serving one is not serving: its deploy was superseded, or retired it too late.)
  const leftovers = ours.filter((d) => d.release === release || (live !== undefined && d.fence !== undefined && d.fence < live));
  if (leftovers.length > 0) {
    await destroyAll(
      leftovers.map((d) => ({ host: d.hostRef, name: d.name })),
      io,
      'left over from an interrupted attempt',
    );
    snapshots = await snapshotHosts(hosts, io.signal);
    ours = ourDomains(snapshots, app.name, env);
  }
  const previous = ours.filter((d) => d.release !== release);
  const superseded = () =>
    new UserError(
      'superseded',
      `a newer deploy of ${app.name} (${env}) took the lock while this one was paused; v${release} was not switched to, and what it started was destroyed`,
    );
  if (fence && !(await fence.isNewest())) throw superseded();
  const image = store.get(app.name, artifact.id);
  const created: Array<{ host: XenHost; name: string }> = [];
  try {
    const picked = placeDomains(snapshots, app.replicas, ling.memory, `${app.name} (${env})`);
    const bySnapshot = picked.map((host, index) => ({ snapshot: snapshots.find((s) => s.host === host)!, index }));
    for (const s of new Set(bySnapshot.map((p) => p.snapshot))) await ensureImage(s, image, io);
    if (io.signal.aborted) throw io.signal.reason;
    await createDomains(bySnapshot, app, env, release, image, fence?.token, io, (d) => created.push(d));
    io.checkpoint?.('health-wait');
    await waitReady(created, ling.readyLine, ling.readyTimeoutSeconds, io);
    await watchDomains(app.health.watchSeconds, release, created, io);
    if (io.signal.aborted) throw io.signal.reason;
    if (fence && !(await fence.claimLive())) throw superseded();
    io.checkpoint?.('switch');
  } catch (err) {
    const why = isUserError(err) && err.code === 'superseded' ? 'superseded' : io.signal.aborted ? 'cancelled' : 'the deploy failed';
    await destroyAll(
      created,
      io,
      `${why}; ${previous.length > 0 ? `v${Math.max(...previous.map((d) => d.release))} keeps running` : 'nothing else ran'}`,
    );
    throw err;
  }
  io.log(`v${release} is live: ${created.map((d) => `${d.name} on ${d.host.name}`).join(', ')}`);
  io.checkpoint?.('drain');
  io.checkpoint?.('retire');
  await destroyAll(
    previous.map((d) => ({ host: d.hostRef, name: d.name })),
    io,
    'retired',
  );
  const now = ourDomains(await snapshotHosts(hosts), app.name, env)
    .filter((d) => d.release === release)
    .map(toInstance);
  return { instances: now, healthy: now.filter((i) => i.healthy).length };
}
