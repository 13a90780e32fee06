/** Labels on every container and image voxoz makes; status, cleanup and rollback find things by them. */
export const LABEL = {
  /** Which voxoz installation owns it (its queue name), so several can share one engine. */
  instance: 'voxoz.instance',
  app: 'voxoz.app',
  env: 'voxoz.env',
  release: 'voxoz.release',
  port: 'voxoz.port',
  /** A Swarm service's: how many ports from `voxoz.port` + 1 its tasks may listen on (one per slot); 100 when absent. */
  portBlock: 'voxoz.port-block',
  /** The fencing token of the lock holder that created it; only the serving token's containers are kept. */
  fence: 'voxoz.fence',
} as const;

/** `voxoz-hello-production-v3-0` for the installation named `voxoz` */
export const containerName = (instance: string, app: string, env: string, release: number, replica: number) =>
  `${instance}-${app}-${env}-v${release}-${replica}`;

/** `voxoz-hello:production-v3` (release numbers count per environment) */
export const imageTag = (instance: string, app: string, env: string, release: number) => `${instance}-${app}:${env}-v${release}`;
