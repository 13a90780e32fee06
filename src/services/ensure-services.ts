import { join, resolve } from 'node:path';
import type { Logger } from '../observability/logger.ts';
import { ensureCaddy } from './caddy.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { ensureDockerd, pingDocker } from './dockerd.ts';
import { doorMade } from '../frontdoor/door-made.ts';
import { isRunning } from './process-info.ts';
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
  /** How often the own redis-server and caddy are looked at (a dead one is started again). @defaultValue 2000 */
  watchEveryMs?: number;
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
  const watch = watchOwn(opts.log, opts.watchEveryMs ?? 2000);
  const stop = async () => {
    await watch.stop();
    for (const s of stops.splice(0).reverse())
      await s().catch((err: Error) => opts.log.warn('a service did not stop cleanly', { reason: err.message }));
    release();
  };
  try {
    let redisUrl = opts.redisUrl;
    if (!redisUrl) {
      lock();
      const redis = await ensureRedisServer(join(dataDir, 'redis'));
      stops.push(watch.own('redis-server', redis, () => ensureRedisServer(join(dataDir, 'redis'))));
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
        stops.push(watch.own('dockerd', dockerd, () => ensureDockerd(join(dataDir, 'docker'))));
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
      stops.push(watch.own('caddy', caddy, () => ensureCaddy(join(dataDir, 'caddy'))));
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
        void watch.stop();
        stops.length = 0;
        release();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

type OwnService = 'redis-server' | 'dockerd' | 'caddy';

interface Started {
  pid: number;
  stop(): Promise<void>;
}

/**
 * Keeps voxoz's own redis-server, dockerd and caddy running: one that died under it (the OOM
 * killer, a stray kill) is started again on the same socket and data, where the clients
 * reconnect (Redis from its append-only file; dockerd takes over the containers that ran on under
 * live-restore; caddy empty, so the workers point the front doors again: doorMade).
 */
function watchOwn(log: Logger, everyMs: number) {
  const owned: Array<{ name: OwnService; now: Started; again: () => Promise<Started> }> = [];
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> | undefined;
  const look = () => {
    looking ??= lookOnce().finally(() => {
      looking = undefined;
    });
    return looking;
  };
  const lookOnce = async () => {
    for (const o of owned) {
      if (!timer || isRunning(o.now.pid, o.name)) continue;
      log.error(`voxoz's own ${o.name} (pid ${o.now.pid}) is gone; starting it again`);
      try {
        o.now = await o.again();
        log.info(`started ${o.name} again`, { pid: o.now.pid });
        // A caddy started again serves no site: the workers point every environment again, now.
        if (o.name === 'caddy') doorMade('caddy');
      } catch (err) {
        log.error(`could not start ${o.name} again; trying again in ${everyMs / 1000} s`, { err });
      }
    }
  };
  return {
    /** Watches a service from now on; returns its stop, which stops the one running then. */
    own(name: OwnService, now: Started, again: () => Promise<Started>): () => Promise<void> {
      const o = { name, now, again };
      owned.push(o);
      timer ??= setInterval(() => void look(), everyMs).unref();
      return () => o.now.stop();
    },
    /** Stops watching; resolves once a start that was under way has ended (so the stop that follows finds it). */
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await looking;
    },
  };
}
