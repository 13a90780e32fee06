import { randomInt } from 'node:crypto';
import type Docker from 'dockerode';
import type { PortRange } from '../../config/port-range.ts';
import { UserError } from '../../core/user-error.ts';
import type { DoorLock } from '../../frontdoor/door-lock.ts';
import { isPortOpen } from '../probe-http.ts';
import type { EngineLocation } from './engine-location.ts';
import { LABEL } from './labels.ts';

/**
 * Picks `count` ports of `range` for new replicas, so a release starts beside the one that
 * serves: none that a container on the engine (of any installation, running or not) is
 * labelled with, none that something on 127.0.0.1 listens on (a local engine's only: a remote
 * engine's 127.0.0.1 cannot be seen from here, so there the labels alone decide). The scan starts
 * at a random port of the range. Two deploys at once would see the same labels: pick through
 * `withReplicaPorts`, which takes turns per engine.
 */
export async function allocatePorts(
  docker: Docker,
  range: PortRange,
  count: number,
  appLabel: string,
  engine: EngineLocation = { remote: false },
): Promise<number[]> {
  const labelled = await docker.listContainers({ all: true, filters: { label: [LABEL.port] } });
  const used = new Set(labelled.map((c) => Number(c.Labels[LABEL.port])));
  const size = range.to - range.from + 1;
  const start = randomInt(size);
  const picked: number[] = [];
  for (let k = 0; k < size && picked.length < count; k++) {
    const port = range.from + ((start + k) % size);
    if (used.has(port) || (!engine.remote && (await isPortOpen('127.0.0.1', port, 200)))) continue;
    picked.push(port);
  }
  if (picked.length < count)
    throw new UserError(
      'no_replica_ports',
      `only ${picked.length} of the ${count} port(s) ${appLabel} needs are free in ${range.from}-${range.to}; give the environment a wider "replicaPorts" range in voxoz.yml, or remove what holds them`,
    );
  return picked;
}

/**
 * Picks `count` ports (allocatePorts) and runs `take` with them under `lock` for the engine
 * (`replica-ports@<engine id>`): `take` creates the containers that carry the ports' labels, so
 * the next pick, in this process or in any voxoz process given the same lock (redisDoorLock),
 * sees them. Two deploys or scales at once on one engine never reach for the same port, whatever
 * the environments' ranges. Only the picking and the creating take turns, not the health wait.
 */
export async function withReplicaPorts<T>(
  docker: Docker,
  lock: DoorLock,
  pick: { range: PortRange; count: number; appLabel: string; engine: EngineLocation },
  take: (ports: number[]) => Promise<T>,
): Promise<T> {
  const engineId = String((await docker.info()).ID);
  return lock(`replica-ports@${engineId}`, async () =>
    take(await allocatePorts(docker, pick.range, pick.count, pick.appLabel, pick.engine)),
  );
}
