import type Docker from 'dockerode';
import type { DriverIO } from '../driver.ts';
import { LABEL } from './labels.ts';

/**
 * Deletes the images voxoz built for app+env (found by their labels) whose ids are not in
 * `keep`. Each is removed with all its tags (force), unless a container still uses it: the
 * engine refuses that (409) and the image stays, to be tried again after the next deploy.
 */
export async function pruneImages(
  docker: Docker,
  instance: string,
  app: string,
  env: string,
  keep: ReadonlySet<string>,
  io: DriverIO,
): Promise<string[]> {
  const images = await docker.listImages({
    filters: { label: [`${LABEL.instance}=${instance}`, `${LABEL.app}=${app}`, `${LABEL.env}=${env}`] },
  });
  const used = new Set((await docker.listContainers({ all: true })).map((c) => c.ImageID));
  const removed: string[] = [];
  for (const image of images) {
    if (keep.has(image.Id) || used.has(image.Id)) continue;
    try {
      await docker.getImage(image.Id).remove({ force: true, noprune: false });
      removed.push(image.Id);
      io.log(`deleted image ${image.Id.replace(/^sha256:/, '').slice(0, 12)} (${(image.RepoTags ?? []).join(', ') || 'untagged'})`);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409 && (err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }
  return removed;
}
