import type Docker from 'dockerode';
import type { Instance } from '../driver.ts';
import { probeHttp } from '../probe-http.ts';
import { type EngineLocation, replicaAt } from './engine-location.ts';
import { LABEL } from './labels.ts';

/** Every container of app+env (any state), newest release first. */
export async function listAppContainers(docker: Docker, instance: string, app: string, env: string): Promise<Docker.ContainerInfo[]> {
  const found = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.instance}=${instance}`, `${LABEL.app}=${app}`, `${LABEL.env}=${env}`] },
  });
  return found.sort((a, b) => Number(b.Labels[LABEL.release]) - Number(a.Labels[LABEL.release]) || a.Names[0]!.localeCompare(b.Names[0]!));
}

/**
 * The app's instances with state, health, uptime start, release, address and restart count. On a local engine
 * health is an HTTP probe of each running replica on 127.0.0.1; on a remote one it is what the
 * engine's own health check last found (`State.Health.Status`), and the address is the engine
 * host's (undefined when the engine's location names none).
 */
export async function listInstances(
  docker: Docker,
  instance: string,
  app: string,
  env: string,
  healthPath: string,
  engine: EngineLocation = { remote: false },
): Promise<Instance[]> {
  const containers = await listAppContainers(docker, instance, app, env);
  return Promise.all(
    containers.map(async (c): Promise<Instance> => {
      const port = Number(c.Labels[LABEL.port]);
      const running = c.State === 'running';
      const inspect = await docker
        .getContainer(c.Id)
        .inspect()
        .catch(() => undefined);
      return {
        id: c.Id.slice(0, 12),
        name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
        release: Number(c.Labels[LABEL.release]),
        state: c.State,
        healthy: !running
          ? undefined
          : engine.remote
            ? inspect?.State.Health
              ? inspect.State.Health.Status === 'healthy'
              : undefined
            : await probeHttp('127.0.0.1', port, healthPath, 1000),
        startedAt: running ? inspect?.State.StartedAt : undefined,
        address: replicaAt(engine, port),
        ...(inspect ? { restarts: inspect.RestartCount } : {}),
      };
    }),
  );
}
