import type Docker from 'dockerode';
import type { Instance } from '../driver.ts';
import { LABEL } from '../docker/labels.ts';
import type { PortBlock } from './port-blocks.ts';

/** A task as the engine lists it (the fields voxoz reads). */
export interface TaskInfo {
  ID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState?: string;
  Status?: { State?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}

/** A service as the engine lists it. */
export interface ServiceInfo {
  ID: string;
  Spec?: { Name?: string; Labels?: Record<string, string> };
}

/** The services of one voxoz instance's app+env on a swarm, one per release. */
export const appServices = async (docker: Docker, instance: string, app: string, env: string) =>
  (await docker.listServices({
    filters: JSON.stringify({ label: [`${LABEL.instance}=${instance}`, `${LABEL.app}=${app}`, `${LABEL.env}=${env}`] }),
  })) as unknown as ServiceInfo[];

export const serviceTasks = async (docker: Docker, serviceId: string) =>
  (await docker.listTasks({ filters: JSON.stringify({ service: [serviceId] }) })) as TaskInfo[];

/** Removes a service; one already gone is not an error. */
export const removeService = async (docker: Docker, id: string) => {
  await docker
    .getService(id)
    .remove()
    .catch(() => undefined);
};

export const labelsOf = (s: ServiceInfo) => (s.Spec?.Labels ?? {}) as Record<string, string>;
export const releaseOf = (s: ServiceInfo) => Number(labelsOf(s)[LABEL.release]);
/** The fence token of the deploy that made the service, if it had one. */
export const fenceOf = (s: ServiceInfo) => {
  const f = labelsOf(s)[LABEL.fence];
  return f === undefined ? undefined : Number(f);
};

/** The ports a service's tasks listen on (port-blocks.ts). */
export const blockOf = (s: ServiceInfo): PortBlock => ({
  base: Number(labelsOf(s)[LABEL.port]),
  size: Number(labelsOf(s)[LABEL.portBlock] ?? 100),
});

/** The port blocks of every service on the swarm that has one: every app's, every installation's. */
export const takenBlocks = async (docker: Docker): Promise<PortBlock[]> =>
  ((await docker.listServices({ filters: JSON.stringify({ label: [LABEL.port] }) })) as unknown as ServiceInfo[]).map(blockOf);

/**
 * The running tasks of `services` as instances: each named by its service and slot, on the
 * address its slot listens on, with its node by hostname and, with a spread label, that
 * label's value (two nodes may share a hostname).
 */
export async function taskInstances(docker: Docker, services: ServiceInfo[], spread?: string): Promise<Instance[]> {
  const nodeNames = new Map<string, string>();
  for (const n of (await docker.listNodes()) as Array<{
    ID: string;
    Description?: { Hostname?: string };
    Spec?: { Labels?: Record<string, string> };
  }>) {
    const label = spread ? n.Spec?.Labels?.[spread] : undefined;
    nodeNames.set(n.ID, `${n.Description?.Hostname ?? n.ID}${label !== undefined ? ` ${spread}=${label}` : ''}`);
  }
  const out: Instance[] = [];
  for (const s of services) {
    const base = Number(labelsOf(s)[LABEL.port]);
    for (const t of await serviceTasks(docker, s.ID)) {
      if (t.DesiredState !== 'running') continue;
      const state = t.Status?.State as string;
      out.push({
        id: t.ID,
        name: `${s.Spec?.Name}.${t.Slot}`,
        release: releaseOf(s),
        state,
        healthy: state === 'running' ? true : state === 'starting' ? undefined : false,
        startedAt: t.Status?.Timestamp,
        address: `127.0.0.1:${base + Number(t.Slot)}`,
        detail: `node ${nodeNames.get(t.NodeID ?? '') ?? t.NodeID ?? '?'}`,
      });
    }
  }
  return out;
}
