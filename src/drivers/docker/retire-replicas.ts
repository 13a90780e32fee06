import type Docker from 'dockerode';
import type { DriverIO } from '../driver.ts';

/** How long a retired replica gets to exit on SIGTERM before it is killed. @defaultValue 10 s */
export const RETIRE_STOP_SECONDS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Drain, then retire: earlier replicas that still run get `drainSeconds` to finish their requests, then all earlier containers go. */
export async function retireReplicas(docker: Docker, previous: Docker.ContainerInfo[], drainSeconds: number, io: DriverIO): Promise<void> {
  if (previous.length === 0) return;
  if (drainSeconds > 0 && previous.some((c) => c.State === 'running')) {
    io.log(`draining the earlier replicas for ${drainSeconds}s`);
    io.checkpoint?.('drain');
    await sleep(drainSeconds * 1000);
  }
  for (const c of previous) {
    const container = docker.getContainer(c.Id);
    await container.stop({ t: RETIRE_STOP_SECONDS }).catch(() => undefined);
    io.checkpoint?.('retire');
    await container.remove({ force: true }).catch((err: Error) => io.log(`could not remove ${c.Names[0]}: ${err.message}`));
  }
  io.log(`retired ${previous.length} container(s) of earlier releases`);
}
