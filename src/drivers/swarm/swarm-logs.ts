import type Docker from 'dockerode';
import { demuxFrames, framesToLines, tailContainerLogs } from '../docker/container-logs.ts';
import type { TaskInfo } from './swarm-services.ts';

/**
 * The last lines of the first of `tasks` whose container says something, read through its
 * node's engine (`nodes`: the engines known by node id); the service's logs (Swarm's log
 * broker) when no engine of their nodes is known or none says anything.
 */
export async function taskLogTail(
  docker: Docker,
  nodes: ReadonlyArray<{ id: string; engine: Docker }>,
  serviceId: string,
  tasks: TaskInfo[],
  tail: number,
): Promise<string[]> {
  for (const t of tasks) {
    const node = nodes.find((n) => n.id === t.NodeID);
    const container = t.Status?.ContainerStatus?.ContainerID as string | undefined;
    if (!node || !container) continue;
    const lines = await tailContainerLogs(node.engine, container, tail).catch(() => [] as string[]);
    if (lines.length > 0) return lines;
  }
  const buf = await readSwarmLogs(docker, `/services/${serviceId}/logs`, { stdout: true, stderr: true, tail }).catch(() => Buffer.alloc(0));
  return framesToLines(demuxFrames(buf)).map((f) => f.text);
}

/** A non-following log read (service or task) through the engine, as the multiplexed bytes. */
export function readSwarmLogs(docker: Docker, path: string, options: Record<string, unknown>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `${path}?`,
        method: 'GET',
        options,
        isStream: true,
        statusCodes: { 200: true, 404: 'no such service or task', 500: 'server error', 503: 'node is not part of a swarm' },
      },
      ((err: Error | null, stream: NodeJS.ReadableStream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        const timer = setTimeout(() => (stream as unknown as { destroy(): void }).destroy(), 10_000);
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          clearTimeout(timer);
          resolve(Buffer.concat(chunks));
        });
        stream.on('close', () => {
          clearTimeout(timer);
          resolve(Buffer.concat(chunks));
        });
        stream.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      }) as never,
    );
  });
}
