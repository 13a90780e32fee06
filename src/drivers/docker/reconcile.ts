import type Docker from 'dockerode';
import { LABEL } from './labels.ts';
import { listAppContainers } from './list-instances.ts';

/** A container's fencing token; containers made before tokens existed count as 0 (older than any). */
export const fenceOf = (c: Docker.ContainerInfo): number => Number(c.Labels[LABEL.fence] ?? 0) || 0;

/**
 * Removes what stale lock holders left of app+env: containers whose fence token is older than
 * `liveToken` (the token of the deploy that serves now) and that are not of the serving
 * release. A holder that paused past its lock and went on creating containers after a newer
 * deploy went live leaves exactly those. When no container carries `liveToken`, what serves
 * cannot be told, so nothing is removed. Returns the names removed.
 */
export async function reconcileContainers(
  docker: Docker,
  instance: string,
  app: string,
  env: string,
  liveToken: number,
): Promise<string[]> {
  const all = await listAppContainers(docker, instance, app, env);
  const serving = new Set(all.filter((c) => fenceOf(c) === liveToken).map((c) => c.Labels[LABEL.release]));
  if (serving.size === 0) return [];
  const removed: string[] = [];
  for (const c of all.filter((x) => fenceOf(x) < liveToken && !serving.has(x.Labels[LABEL.release]))) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
    removed.push((c.Names[0] ?? c.Id).replace(/^\//, ''));
  }
  return removed;
}
