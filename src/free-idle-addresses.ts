import { dropIdleSites } from './frontdoor/drop-idle-sites.ts';
import type { Logger } from './observability/logger.ts';
import type { DockerRuntime } from './start-docker.ts';

const FREED = 'freed the addresses of app environments no longer in voxoz.yml (they served nothing)';

/**
 * Frees the addresses that app environments taken out of voxoz.yml (`configured` is what it has
 * now, "app (env)") still hold while serving nothing: on voxoz's own front door (its admin
 * `socket`) and on the front doors voxoz keeps on remote engines and Swarm nodes (`runtime`,
 * each target this process reaches). Each is logged; a front door that fails is a warning.
 */
export async function freeIdleAddresses(opts: {
  socket?: string;
  runtime?: Pick<DockerRuntime, 'dropIdleSites'>;
  instance: string;
  configured: ReadonlySet<string>;
  log: Logger;
}): Promise<void> {
  const { socket, runtime, instance, configured, log } = opts;
  const warn = (reason: string, target?: string) =>
    log.warn('could not free the addresses of removed apps', { ...(target ? { target } : {}), reason });
  if (socket) {
    const freed = await dropIdleSites(socket, instance, configured).catch((err: Error) => {
      warn(err.message);
      return [];
    });
    if (freed.length > 0) log.info(FREED, { sites: freed });
  }
  for (const done of (await runtime?.dropIdleSites(configured)) ?? []) {
    if ('error' in done) warn(done.error, done.target);
    else if (done.sites.length > 0) log.info(FREED, { target: done.target, sites: done.sites });
  }
}
