import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { TestProject } from 'vitest/node';
import { startRedisServer } from '../../src/services/redis-server.ts';
import { startDockerd } from '../../src/services/dockerd.ts';
import { unmountUnder } from '../../src/services/unmount-under.ts';
import { ensureBusyboxImage } from '../../src/drivers/docker/ensure-busybox-image.ts';
import { dockerOptionsFromHost } from '../../src/drivers/docker/docker-client.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    dockerHost: string;
  }
}

/**
 * Starts the real services the tests use, unless REDIS_URL / DOCKER_HOST point at existing
 * ones: a private redis-server (AOF on) and a private dockerd (own socket and data root, no
 * bridge, no iptables), with `busybox:latest` imported from Debian's busybox-static.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'vxt-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    let redisUrl = process.env.REDIS_URL;
    if (!redisUrl) {
      const redis = await startRedisServer(join(root, 'redis'));
      stops.push(redis.stop);
      redisUrl = redis.url;
    }
    let dockerHost = process.env.DOCKER_HOST;
    if (!dockerHost) {
      const dockerd = await startDockerd(join(root, 'd'));
      stops.push(dockerd.stop);
      dockerHost = dockerd.host;
    }
    await ensureBusyboxImage(new Docker(dockerOptionsFromHost(dockerHost)));
    project.provide('redisUrl', redisUrl);
    project.provide('dockerHost', dockerHost);
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw err;
  }
  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    // Stopping the private dockerd unmounts what it left (its netns, its data root), so this works.
    unmountUnder(root);
    rmSync(root, { recursive: true, force: true });
  };
}
