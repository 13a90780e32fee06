import { join, resolve } from 'node:path';
import type { Logger } from '../observability/logger.ts';
import { pingDocker, startDockerd } from './dockerd.ts';
import { startRedisServer } from './redis-server.ts';

export interface Services {
  redisUrl: string;
  dockerHost: string;
  stop(): Promise<void>;
}

/**
 * Finds Redis and a Docker engine, starting private ones when none is configured:
 * a redis-server child (AOF, data under dataDir/redis) without REDIS_URL; a private dockerd
 * (no bridge, no iptables) without DOCKER_HOST when /var/run/docker.sock does not answer and
 * we are root. Anything it starts is stopped by `stop()`.
 */
export async function ensureServices(opts: { redisUrl?: string; dockerHost?: string; dataDir: string; log: Logger; startDocker?: boolean }): Promise<Services> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => { for (const s of stops.reverse()) await s().catch(() => undefined); };
  try {
    let redisUrl = opts.redisUrl;
    if (!redisUrl) {
      const redis = await startRedisServer(join(resolve(opts.dataDir), 'redis'));
      stops.push(redis.stop);
      redisUrl = redis.url;
      opts.log.info('started a private redis-server (no REDIS_URL set)', { url: redisUrl, data: join(opts.dataDir, 'redis') });
    }
    let dockerHost = opts.dockerHost;
    if (!dockerHost) {
      if (await pingDocker('/var/run/docker.sock')) dockerHost = 'unix:///var/run/docker.sock';
      else if (opts.startDocker !== false && process.getuid?.() === 0) {
        const dockerd = await startDockerd(join(resolve(opts.dataDir), 'docker'));
        stops.push(dockerd.stop);
        dockerHost = dockerd.host;
        opts.log.info('started a private dockerd (no DOCKER_HOST set and /var/run/docker.sock does not answer)', { host: dockerHost });
      } else {
        throw new Error('no Docker engine answers at /var/run/docker.sock; start Docker, set DOCKER_HOST, or run voxoz as root with docker.io installed so it can start a private dockerd');
      }
    }
    return { redisUrl, dockerHost, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
