/** Labels on every container and image voxoz makes; status, cleanup and rollback find things by them. */
export const LABEL = {
  app: 'voxoz.app',
  env: 'voxoz.env',
  release: 'voxoz.release',
  port: 'voxoz.port',
} as const;

/** `voxoz-hello-production-v3-0` */
export const containerName = (app: string, env: string, release: number, replica: number) => `voxoz-${app}-${env}-v${release}-${replica}`;

/** `voxoz-hello:v3` */
export const imageTag = (app: string, release: number) => `voxoz-${app}:v${release}`;
