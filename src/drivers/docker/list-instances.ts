import type Docker from 'dockerode';
import type { Instance } from '../driver.ts';
import { probeHttp } from '../probe-http.ts';
import { LABEL } from './labels.ts';

/** Every container of app+env (any state), newest release first. */
export async function listAppContainers(docker: Docker, instance: string, app: string, env: string): Promise<Docker.ContainerInfo[]> {
  const found = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.instance}=${instance}`, `${LABEL.app}=${app}`, `${LABEL.env}=${env}`] },
  });
  return found.sort((a, b) => Number(b.Labels[LABEL.release]) - Number(a.Labels[LABEL.release]) || a.Names[0]!.localeCompare(b.Names[0]!));
}

/** The app's instances with state, health (an HTTP probe of each running replica), uptime start and release. */
export async function listInstances(docker: Docker, instance: string, app: string, env: string, healthPath: string): Promise<Instance[]> {
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
        healthy: running ? await probeHttp('127.0.0.1', port, healthPath, 1000) : undefined,
        startedAt: running ? inspect?.State.StartedAt : undefined,
        address: `127.0.0.1:${port}`,
      };
    }),
  );
}
