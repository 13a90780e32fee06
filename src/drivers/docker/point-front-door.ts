import type Docker from 'dockerode';
import type { FrontDoor, Site } from '../../frontdoor/front-door.ts';
import { LABEL } from './labels.ts';

/** Where a container of voxoz's answers: host networking on the engine's host, on its labelled port. */
export const replicaAddress = (c: Docker.ContainerInfo) => `127.0.0.1:${c.Labels[LABEL.port]}`;

/** The front-door site of an app environment: its stable address 127.0.0.1:<the environment's port>. */
export const siteOf = (instance: string, app: string, env: string, port: number): Site => ({
  instance,
  app,
  env,
  listen: `127.0.0.1:${port}`,
});

/**
 * Makes the front door route `site` to the running containers among `serving`, unless it
 * already routes to exactly those. `fence` is the token they were deployed under (undefined
 * before fencing); a route set by a newer token is left alone. True when traffic was moved.
 */
export async function pointFrontDoor(frontDoor: FrontDoor, site: Site, serving: Docker.ContainerInfo[], fence?: number): Promise<boolean> {
  // A replica of a voxoz from before the front door listens on the site's own address: never a route to itself.
  const want = serving
    .filter((c) => c.State === 'running')
    .map(replicaAddress)
    .filter((a) => a !== site.listen)
    .sort();
  if (want.length === 0) return false;
  const route = await frontDoor.route(site);
  if (route && [...route.upstreams].sort().join() === want.join()) return false;
  return frontDoor.switch(site, want, fence);
}
