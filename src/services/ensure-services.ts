import { join, resolve } from 'node:path';
import type { Logger } from '../observability/logger.ts';
import { ensureCaddy } from './caddy.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { ensureDockerd, pingDocker } from './dockerd.ts';
import { ensureRedisServer } from './redis-server.ts';

export interface Services {
  redisUrl: string;
  /** The engine this process uses; undefined in a bot-only process where none answers. */
  dockerHost: string | undefined;
  /** The admin socket of voxoz's own caddy (the front door), when asked for with `frontDoor`. */
  frontDoorSocket?: string;
  /** Stops what this voxoz owns (started or adopted), in order, then gives up the data dir. */
  stop(): Promise<void>;
  /** Lets go of the data dir and leaves the services running, for the next voxoz to adopt. */
  abandon(): void;
}

/**
 * Finds Redis and a Docker engine, using private ones when none is configured: a redis-server
 * (AOF, data and socket under dataDir/redis) without REDIS_URL; a private dockerd (no bridge, no
 * iptables, live-restore) without DOCKER_HOST when /var/run/docker.sock does not answer and we
 * are root. Private services are single per data dir: this process takes the dir's lock, and a
 * service left running by a voxoz that died is adopted rather than started twice.
 */
export async function ensureServices(opts: {
  redisUrl?: string;
  dockerHost?: string;
  dataDir: string;
  log: Logger;
  startDocker?: boolean;
  /**
   * Whether this process needs an engine: a bot-only process (`worker.inProcess: false`) runs no
   * job, so it uses DOCKER_HOST or /var/run/docker.sock when they answer and goes on without one
   * otherwise. @defaultValue true
   */
  needDocker?: boolean;
  /** Start (or adopt) the data dir's caddy, for processes that deploy (they run workers). @defaultValue false */
  frontDoor?: boolean;
}): Promise<Services> {
  const dataDir = resolve(opts.dataDir);
  const stops: Array<() => Promise<void>> = [];
  let unlock: (() => void) | undefined;
  const lock = () => {
    unlock ??= acquireDataDirLock(dataDir);
  };
  const release = () => {
    unlock?.();
    unlock = undefined;
  };
  const stop = async () => {
    for (const s of stops.splice(0).reverse())
      await s().catch((err: Error) => opts.log.warn('a service did not stop cleanly', { reason: err.message }));
    release();
  };
  try {
    let redisUrl = opts.redisUrl;
    if (!redisUrl) {
      lock();
      const redis = await ensureRedisServer(join(dataDir, 'redis'));
      stops.push(redis.stop);
      redisUrl = redis.url;
      opts.log.info(
        redis.adopted ? 'adopted the redis-server an earlier voxoz left running' : 'started a private redis-server (no REDIS_URL set)',
        { socket: redisUrl, pid: redis.pid },
      );
    }
    let dockerHost = opts.dockerHost;
    if (!dockerHost) {
      if (await pingDocker('/var/run/docker.sock')) dockerHost = 'unix:///var/run/docker.sock';
      else if (opts.needDocker === false) dockerHost = undefined;
      else if (opts.startDocker !== false && process.getuid?.() === 0) {
        lock();
        const dockerd = await ensureDockerd(join(dataDir, 'docker'));
        stops.push(dockerd.stop);
        dockerHost = dockerd.host;
        opts.log.info(
          dockerd.adopted
            ? 'adopted the private dockerd an earlier voxoz left running'
            : 'started a private dockerd (no DOCKER_HOST set and /var/run/docker.sock does not answer)',
          { host: dockerHost, pid: dockerd.pid },
        );
      } else {
        throw new Error(
          'no Docker engine answers at /var/run/docker.sock; start Docker, set DOCKER_HOST, or run voxoz as root with docker.io installed so it can start a private dockerd',
        );
      }
    }
    // Started last, so stopped first: the front door closes before the engine stops the replicas behind it.
    let frontDoorSocket: string | undefined;
    if (opts.frontDoor) {
      lock();
      const caddy = await ensureCaddy(join(dataDir, 'caddy'));
      stops.push(caddy.stop);
      frontDoorSocket = caddy.socket;
      opts.log.info(caddy.adopted ? 'adopted the front door (caddy) an earlier voxoz left running' : 'started the front door (caddy)', {
        socket: caddy.socket,
        pid: caddy.pid,
      });
      if (caddy.handover === 'switched-on')
        opts.log.info(
          "set net.ipv4.tcp_migrate_req=1: the front door's config changes hand queued connections over instead of resetting them",
        );
      else if (caddy.handover !== 'on')
        opts.log.warn("each change of the front door's config may reset a connection that is just arriving", {
          reason: caddy.handover.off,
        });
    }
    return {
      redisUrl,
      dockerHost,
      frontDoorSocket,
      stop,
      abandon: () => {
        stops.length = 0;
        release();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
