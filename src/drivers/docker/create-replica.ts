import type Docker from 'dockerode';
import type { AppSpec } from '../../config/schema.ts';
import type { Artifact } from '../driver.ts';
import { engineHealthCheck } from './engine-health-check.ts';
import { LABEL, containerName } from './labels.ts';

function memoryBytes(size: string | undefined): number | undefined {
  if (!size) return undefined;
  const n = Number(size.slice(0, -1));
  return n * { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[size.slice(-1).toLowerCase() as 'k' | 'm' | 'g'];
}

/**
 * Creates (does not start) replica `replica` of a release, listening on `port` with host
 * networking: PORT and VOXOZ_* in its environment, the labels status, cleanup, the front
 * door and fencing find it by, an init process (SIGTERM reaches the app, so a retired replica
 * stops promptly) and `unless-stopped` (it comes back with the engine). With `engineCheck` (a
 * remote engine) it also gets a Docker health check built from the app's `health`, which the
 * engine runs inside it; the gate and `status` read the result back.
 */
export async function createReplica(
  docker: Docker,
  opts: {
    instance: string;
    app: AppSpec;
    env: string;
    release: number;
    replica: number;
    port: number;
    fence?: number;
    engineCheck?: boolean;
  },
  artifact: Artifact,
  extraEnv: Record<string, string>,
): Promise<Docker.Container> {
  const { instance, app, env, release, replica, port, fence, engineCheck } = opts;
  return docker.createContainer({
    name: containerName(instance, app.name, env, release, replica),
    Image: artifact.id,
    Env: Object.entries({
      ...app.env,
      ...extraEnv,
      PORT: String(port),
      VOXOZ_APP: app.name,
      VOXOZ_ENV: env,
      VOXOZ_RELEASE: String(release),
      VOXOZ_REPLICA: String(replica),
    }).map(([k, v]) => `${k}=${v}`),
    ...(engineCheck ? { Healthcheck: engineHealthCheck(app.health, port) } : {}),
    Labels: {
      [LABEL.instance]: instance,
      [LABEL.app]: app.name,
      [LABEL.env]: env,
      [LABEL.release]: String(release),
      [LABEL.port]: String(port),
      ...(fence !== undefined ? { [LABEL.fence]: String(fence) } : {}),
    },
    HostConfig: {
      NetworkMode: 'host',
      Init: true,
      RestartPolicy: { Name: 'unless-stopped' },
      Memory: memoryBytes(app.resources.memory),
      NanoCpus: app.resources.cpus ? Math.round(app.resources.cpus * 1e9) : undefined,
    },
  });
}
