import { readFileSync } from 'node:fs';
import type { AppSpec } from '../../config/schema.ts';
import { LING_DEFAULTS } from '../../config/xen-schema.ts';
import type { DriverIO, Instance } from '../driver.ts';
import { renderDomainConfig } from './domain-config.ts';
import { domainName, fenceParam, parseDomainName } from './domain-name.ts';
import type { StoredImage } from './image-store.ts';
import { sha256File } from './image-store.ts';
import type { HostSnapshot } from './place-domains.ts';
import type { DomainView, XenHost } from './xen-host.ts';

export const lingOf = (app: AppSpec) => app.ling ?? LING_DEFAULTS;

/** One of an app environment's domains, with where it runs. */
export interface OurDomain extends DomainView {
  release: number;
  index: number;
  hostRef: XenHost;
}

/** Every host's info and domains, read in parallel. */
export async function snapshotHosts(hosts: ReadonlyArray<XenHost>, signal?: AbortSignal): Promise<HostSnapshot[]> {
  return Promise.all(
    hosts.map(async (host) => {
      const [info, { domains }] = await Promise.all([host.info(signal), host.list(signal)]);
      return { host, info, domains };
    }),
  );
}

/** The domains of app+env on these hosts (by name: `<app>-<env>-v<N>-<i>`). */
export function ourDomains(snapshots: ReadonlyArray<HostSnapshot>, app: string, env: string): OurDomain[] {
  return snapshots.flatMap((s) =>
    s.domains.flatMap((d) => {
      const parsed = parseDomainName(app, env, d.name);
      return parsed ? [{ ...d, ...parsed, hostRef: s.host }] : [];
    }),
  );
}

export async function listOurs(hosts: ReadonlyArray<XenHost>, app: string, env: string): Promise<OurDomain[]> {
  const lists = await Promise.all(hosts.map(async (host) => ({ host, domains: (await host.list()).domains })));
  return ourDomains(
    lists.map((l) => ({ ...l, info: { freeMb: 0, totalMb: 0, images: new Set<string>() } })),
    app,
    env,
  );
}

export function toInstance(d: OurDomain): Instance {
  return {
    id: `${d.host}/${d.domid}`,
    name: d.name,
    release: d.release,
    state: d.state,
    healthy: d.state === 'running' ? true : d.state === 'crashed' ? false : undefined,
    ...(d.started !== undefined ? { startedAt: new Date(d.started * 1000).toISOString() } : {}),
    address: d.host,
    detail: `${d.memoryMb} MiB, ${d.vcpus} vCPU, ${d.cpuSeconds.toFixed(1)} s CPU`,
  };
}

/** Makes sure the image (and erlang-pv's kernel) is on the host: uploaded once, content-addressed. */
export async function ensureImage(snapshot: HostSnapshot, image: StoredImage, io: DriverIO): Promise<void> {
  const wanted: Array<{ sha: string; path: string; what: string }> = [{ sha: image.sha256, path: image.path, what: 'image' }];
  if (image.kernelPath) {
    const sha = sha256File(image.kernelPath);
    if (image.kernelSha256 && sha !== image.kernelSha256)
      io.log(`the kernel ${image.kernelPath} changed since this image was built; the domains boot the current one (${sha.slice(0, 12)})`);
    wanted.push({ sha, path: image.kernelPath, what: 'kernel' });
  }
  for (const w of wanted) {
    if (snapshot.info.images.has(w.sha)) continue;
    const bytes = readFileSync(w.path);
    const t0 = Date.now();
    await snapshot.host.putImage(w.sha, bytes, io.signal);
    io.log(
      `uploaded the ${w.what} ${w.sha.slice(0, 12)} (${(bytes.length / 1048576).toFixed(1)} MiB) to ${snapshot.host.name} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
}

/** The domain config of one instance: the image as kernel (railing) or as ramdisk of the kernel (erlang-pv), the fence on the command line. */
export function configFor(host: XenHost, image: StoredImage, name: string, memory: number, fence: number | undefined): string {
  const at = (sha: string) => `${host.imagesDir}/${sha}`;
  const extra = [image.extra, fence !== undefined ? fenceParam(fence) : ''].filter(Boolean).join(' ');
  const text = renderDomainConfig({
    name,
    kernel: image.kernelPath ? at(sha256File(image.kernelPath)) : at(image.sha256),
    ...(image.kernelPath ? { ramdisk: at(image.sha256) } : {}),
    extra,
    memory,
  });
  // An app that exits, crashes or reboots leaves no domain behind: status and the ready wait see it gone.
  return `${text.trimEnd()}\non_poweroff = "destroy"\non_reboot = "destroy"\non_crash = "destroy"\n`;
}

/** Creates domains `indexes` of the release on the picked hosts (in parallel); calls `made` for each config written, so a failure can undo them. */
export async function createDomains(
  picks: ReadonlyArray<{ snapshot: HostSnapshot; index: number }>,
  app: AppSpec,
  env: string,
  release: number,
  image: StoredImage,
  fence: number | undefined,
  io: DriverIO,
  made: (d: { host: XenHost; name: string }) => void,
): Promise<Array<{ host: XenHost; name: string }>> {
  const memory = lingOf(app).memory;
  const results = await Promise.allSettled(
    picks.map(async ({ snapshot, index }) => {
      const name = domainName(app.name, env, release, index);
      const host = snapshot.host;
      await host.putConfig(name, configFor(host, image, name, memory, fence), io.signal);
      made({ host, name });
      io.checkpoint?.('create');
      const t0 = Date.now();
      await host.create(name, io.signal);
      io.checkpoint?.('start');
      io.log(`created ${name} on ${host.name} (${memory} MiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return { host, name };
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<{ host: XenHost; name: string }>).value);
}

export async function destroyAll(domains: ReadonlyArray<{ host: XenHost; name: string }>, io: DriverIO, why: string): Promise<void> {
  for (const d of domains)
    await d.host.destroy(d.name).then(
      () => io.log(`destroyed ${d.name} on ${d.host.name} (${why})`),
      (err: Error) => io.log(`could not destroy ${d.name} on ${d.host.name}: ${err.message}`),
    );
}
