import { Queue } from 'bullmq';
import { loadConfig, type LoadedConfig } from './config/load-config.ts';
import { createShutdown, redisAnswers } from './lifecycle/shutdown.ts';
import { describeReload, reloadConfig, type ReloadResult } from './lifecycle/reload-config.ts';
import { redisDoorLock } from './frontdoor/door-lock.ts';
import { freeIdleAddresses } from './free-idle-addresses.ts';
import { configuredSites } from './frontdoor/drop-idle-sites.ts';
import type { Settings } from './config/read-settings.ts';
import type { ChatAdapter } from './core/chat-adapter.ts';
import type { JobData } from './core/types.ts';
import type { DriverMap } from './drivers/driver.ts';
import { checkCanListen, startHttpServer } from './http/http-server.ts';
import { healthMounts, type ReadyCheck } from './http/health-routes.ts';
import { createMetrics } from './observability/metrics.ts';
import { processors } from './jobs/processors/index.ts';
import type { WorkerPool } from './jobs/worker-pool.ts';
import { STOP_REASON, startWorkers } from './start-workers.ts';
import type { Logger } from './observability/logger.ts';
import { maskedSecrets } from './observability/masked-secrets.ts';
import { resolveSecrets } from './observability/resolve-secrets.ts';
import { startBot } from './start-bot.ts';
import { startDocker } from './start-docker.ts';
import { watchDockerEvents } from './drivers/docker/watch-events.ts';
import { ensureServices } from './services/ensure-services.ts';
import { onDoorMade } from './frontdoor/door-made.ts';
import { redisKeys } from './store/keys.ts';
import { createLockStore } from './store/lock-store.ts';
import { createSystemJobs } from './store/record-system-job.ts';
import { redisConnector } from './store/redis-connector.ts';
import { syncHostnames } from './frontdoor/caddy-hostnames.ts';
import { namedSites } from './frontdoor/named-sites.ts';
import { systemClock } from './core/clock.ts';
import { createReleaseStore } from './store/release-store.ts';
import { createDesiredStore } from './store/desired-store.ts';
import { startLing } from './start-ling.ts';
import { allQueues, DEFAULT_QUEUE, routeJob } from './jobs/job-route.ts';
import { quitRedis } from './store/quit-redis.ts';

export interface Voxoz {
  /** The HTTP port (local API, web page, platform endpoints; a worker-only process: /healthz, /readyz, /metrics). */
  port?: number;
  adapters: ChatAdapter[];
  /** The local API's per-install token (undefined for a worker-only process). */
  localToken?: string;
  /** Re-reads voxoz.yml and applies what can change while running (SIGHUP, `voxoz reload`). */
  reload(): ReloadResult;
  /**
   * Stops in order: workers take no more jobs and the running ones finish (after DRAIN_MS they
   * are cancelled and roll back), the relay posts what they wrote, adapters and the HTTP server
   * close, and only then the services voxoz owns stop.
   */
  close(): Promise<void>;
  /** Cancels the running jobs now (a second Ctrl-C); each rolls back what it started. */
  abortJobs(): void;
  /** Leaves the own services running for the next voxoz to adopt (a third Ctrl-C). */
  abandonServices(): void;
}

export { DRAIN_MS } from './start-workers.ts';

/**
 * The composition root: the only place that builds clients and wires them together.
 * `mode: 'all'` runs the chat side (adapters, dispatcher, relay) and a worker pool;
 * `mode: 'worker'` runs only workers, for other machines (`voxoz worker`).
 * Parts start in the order they depend on each other and stop in the reverse order.
 */
export async function startVoxoz(settings: Settings, env: NodeJS.ProcessEnv, log: Logger, mode: 'all' | 'worker' = 'all'): Promise<Voxoz> {
  let config = loadConfig(settings.configFile);
  // A bot-only process (worker.inProcess false) runs no job: it needs no engine and no front door.
  const runsJobs = mode === 'worker' || config.worker.inProcess;
  await checkCanListen(settings.host, settings.port);
  const services = await ensureServices({
    redisUrl: settings.redisUrl,
    dockerHost: settings.dockerHost,
    dataDir: settings.dataDir,
    log,
    frontDoor: runsJobs,
    needDocker: runsJobs,
  });
  const shutdown = createShutdown(log);
  shutdown.add('stop services', services.stop, 40_000, { withoutRedis: true });
  let workers: WorkerPool | undefined;
  /** Serves environments' hostnames over HTTPS as voxoz.yml says (set once the front door runs). */
  let syncNames: (() => Promise<void>) | undefined;
  /** Makes the BullMQ job schedulers match `schedules:` (set once the bot side runs; workers fire nothing). */
  let syncSchedules: (() => Promise<void>) | undefined;
  /** Asks again what this process' workers reach (set once they run). */
  let recheckReach: (() => Promise<void>) | undefined;
  /** Frees the addresses of app environments taken out of voxoz.yml that serve nothing (set once the front door runs). */
  let dropIdle: (() => Promise<void>) | undefined;
  const reload = (): ReloadResult => {
    const next = reloadConfig(config);
    config = next.config;
    log[next.result.ok ? 'info' : 'warn'](describeReload(next.result));
    void syncNames?.();
    void dropIdle?.();
    void recheckReach?.();
    void syncSchedules?.().catch((err: unknown) => log.warn('schedules were not synced; the running ones stay', { err }));
    return next.result;
  };
  const handle = (port: number | undefined, adapters: ChatAdapter[], localToken?: string): Voxoz => ({
    port,
    adapters,
    localToken,
    reload,
    close: () => shutdown.run(),
    abortJobs: () => workers?.abortAll(STOP_REASON),
    abandonServices: () => services.abandon(),
  });
  try {
    const keys = redisKeys(settings.queueName);
    // Every Redis client and every timestamp come from here: one connector, one clock.
    const connect = redisConnector(services.redisUrl, (name, err) => log.debug('redis error', { client: name, err }));
    const now = systemClock;
    const redis = connect('commands', 'voxoz');
    shutdown.probeRedis(() => redisAnswers(redis));
    shutdown.add('close redis', () => quitRedis(redis));
    const secretValues = (names: ReadonlyArray<string>) => resolveSecrets(names, env);
    const dockerRuntime = await startDocker({
      config: () => config,
      dockerHost: services.dockerHost,
      required: runsJobs,
      ...(settings.dockerEngine ? { dockerEngine: settings.dockerEngine } : {}),
      ...(services.frontDoorSocket ? { frontDoorSocket: services.frontDoorSocket } : {}),
      ...(env.SSH_AUTH_SOCK ? { sshAgent: env.SSH_AUTH_SOCK } : {}),
      instance: settings.queueName,
      dataDir: settings.dataDir,
      secretValues,
      // Several workers may reach one remote engine or Swarm: their changes of its front doors take turns.
      doorLock: redisDoorLock(redis, keys.frontDoorLock),
      log,
    });
    const docker = dockerRuntime.docker;
    const ling = startLing({ config: () => config, dataDir: settings.dataDir, log: log.child({ part: 'ling' }) });
    shutdown.add('close xen hosts', () => ling.close(), undefined, { withoutRedis: true });
    // Every process counts what it does (/metrics) and says whether it can work (/readyz).
    const metrics = createMetrics();
    const drivers: DriverMap = metrics.instrumentDrivers({ ling: ling.driver, docker: dockerRuntime.driver });
    const readyChecks: Record<string, ReadyCheck> = { redis: () => redis.ping() };
    if (docker) readyChecks.docker = () => docker.ping();
    // The targets reached now (a worker asks again every worker.reachCheckSeconds).
    const checks = (): Record<string, ReadyCheck> => ({
      ...readyChecks,
      ...Object.fromEntries([...dockerRuntime.targetPings()].map(([name, ping]) => [`target:${name}`, ping])),
    });
    // The Xen hosts a process that runs LING jobs must reach (a bot-only process runs none).
    if ((config.xen?.hosts.length ?? 0) > 0 && runsJobs)
      readyChecks.xen = async () => {
        const reached = await ling.reachable();
        const missing = (config.xen?.hosts ?? []).map((h) => h.name).filter((h) => !reached.has(h));
        if (missing.length > 0) throw new Error(`no answer from Xen host ${missing.join(', ')}`);
      };
    const frontDoorSocket = services.frontDoorSocket;
    if (frontDoorSocket) {
      syncNames = async () => {
        const { httpsPort } = config.frontDoor;
        const named = httpsPort === undefined ? [] : namedSites(config, settings.queueName);
        await syncHostnames(frontDoorSocket, settings.queueName, `127.0.0.1:${httpsPort ?? 0}`, named).catch((err: Error) =>
          log.warn('the front door refused the HTTPS hostnames', { reason: err.message }),
        );
      };
      await syncNames();
      onDoorMade(() => void syncNames?.()); // e.g. voxoz's own caddy started again: it lost the hostnames too
      await freeIdleAddresses({ socket: frontDoorSocket, instance: settings.queueName, configured: configuredSites(config), log });
    }
    // At each reload: voxoz's own front door, and (where jobs run) those it keeps on other engines.
    dropIdle = () =>
      freeIdleAddresses({
        ...(frontDoorSocket ? { socket: frontDoorSocket } : {}),
        ...(runsJobs ? { runtime: dockerRuntime } : {}),
        instance: settings.queueName,
        configured: configuredSites(config),
        log,
      });
    // The doors on other engines at start too, without holding the start up (each is a few execs through their engines).
    if (runsJobs)
      void freeIdleAddresses({ runtime: dockerRuntime, instance: settings.queueName, configured: configuredSites(config), log });
    const releases = createReleaseStore(redis, keys);
    const desired = createDesiredStore(redis, keys);
    const locks = createLockStore(redis, keys);
    const getConfig = (): LoadedConfig => config;
    const allSecrets = maskedSecrets({ settings, env, config: getConfig });
    // Jobs voxoz starts itself (a burst's scale-back) are queued from the workers through their own queue handle.
    const systemQueueConnection = connect('commands', 'voxoz-system-queue');
    const systemQueues = new Map<string, Queue<JobData>>();
    const systemQueueOf = (name: string) => {
      let q = systemQueues.get(name);
      if (!q) {
        q = new Queue<JobData>(name, { connection: systemQueueConnection, prefix: keys.bull });
        q.on('error', () => undefined);
        systemQueues.set(name, q);
      }
      return q;
    };
    const systemQueue = systemQueueOf(DEFAULT_QUEUE);
    metrics.queueDepth(async () =>
      Object.fromEntries(
        await Promise.all(
          allQueues(config).map(
            async (name) =>
              [name, await systemQueueOf(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed')] as const,
          ),
        ),
      ),
    );
    const systemJobs = createSystemJobs({
      redis,
      queue: systemQueue,
      route: (data) => {
        const name = routeJob(config, data);
        return { name, queue: systemQueueOf(name) };
      },
      keys,
      config: getConfig,
      log: log.child({ part: 'system-jobs' }),
      now,
    });
    shutdown.add('close system jobs', async () => {
      await systemJobs.close();
      for (const q of systemQueues.values()) await q.close();
      await quitRedis(systemQueueConnection);
    });
    const startWorkersHere = async () => {
      const started = await startWorkers({
        redis,
        keys,
        config: getConfig,
        drivers,
        releases,
        locks,
        processors,
        log: log.child({ part: 'worker' }),
        now,
        connect,
        secrets: allSecrets,
        systemJobs,
        desired,
        metrics,
        ling,
        docker: dockerRuntime,
        shutdown,
        ...(settings.crashAt ? { crashAt: settings.crashAt } : {}),
      });
      workers = started.pool;
      recheckReach = started.recheck;
    };
    if (mode === 'worker') {
      await startWorkersHere();
      // A worker has no chat side; it serves its health and metrics on PORT.
      const http = await startHttpServer({
        host: settings.host,
        port: settings.port,
        mounts: healthMounts({ metrics, checks }),
        log,
      });
      shutdown.add('close http', () => http.close(), undefined, { withoutRedis: true });
      log.info('worker http ready', { url: `http://${settings.host}:${http.port}/metrics` });
      return handle(http.port, []);
    }
    const bot = await startBot({
      settings,
      config: getConfig,
      reload,
      connect,
      redis,
      keys,
      now,
      log,
      shutdown,
      metrics,
      readyChecks,
      checks,
      drivers,
      releases,
      locks,
      desired,
      systemJobs,
      // A bot-only process with no engine at hand watches none (its workers' engines are elsewhere).
      alertWatchers: docker
        ? {
            docker: (onEvent, opts) =>
              watchDockerEvents(docker, settings.queueName, onEvent, { ...opts, log: log.child({ part: 'alerts' }) }),
          }
        : {},
    });
    syncSchedules = bot.syncSchedules;
    if (config.worker.inProcess) await startWorkersHere();
    log.info('voxoz ready', {
      url: `http://${settings.host}:${bot.port}/`,
      adapters: bot.adapters.map((a) => a.surface.platform),
      apps: config.apps.map((a) => a.name),
    });
    return handle(bot.port, bot.adapters, bot.localToken);
  } catch (err) {
    await shutdown.run();
    throw err;
  }
}
