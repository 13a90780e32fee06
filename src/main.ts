import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { commands } from '../commands/index.ts';
import { createAdapters } from '../adapters/index.ts';
import { loadConfig, type LoadedConfig } from './config/load-config.ts';
import type { Settings } from './config/read-settings.ts';
import type { ChatAdapter } from './core/chat-adapter.ts';
import { createRegistry } from './dispatch/command-registry.ts';
import { createDispatcher } from './dispatch/dispatcher.ts';
import { requesterPolicy } from './dispatch/policy.ts';
import { createDockerClient } from './drivers/docker/docker-client.ts';
import { createDockerDriver } from './drivers/docker/docker-driver.ts';
import { ensureBusyboxImage } from './drivers/docker/ensure-busybox-image.ts';
import type { DriverMap } from './drivers/driver.ts';
import { startHttpServer } from './http/http-server.ts';
import { createJobQueue } from './jobs/job-queue.ts';
import { deployProcessor } from './jobs/processors/deploy.ts';
import type { ProcessorMap } from './jobs/processors/processor.ts';
import { statusProcessor } from './jobs/processors/status.ts';
import { startWorkerPool, type WorkerPool } from './jobs/worker-pool.ts';
import type { Logger } from './observability/logger.ts';
import { startRelay } from './relay/relay.ts';
import { ensureServices } from './services/ensure-services.ts';
import { redisKeys } from './store/keys.ts';
import { createReleaseStore } from './store/release-store.ts';

export interface Voxoz {
  /** The HTTP port (local API, web page, platform endpoints); undefined for a worker-only process. */
  port?: number;
  adapters: ChatAdapter[];
  close(): Promise<void>;
}

/** Longest any one shutdown step may take before voxoz moves on. @defaultValue 20 s */
const SHUTDOWN_STEP_MS = 20_000;

const processors: ProcessorMap = { deploy: deployProcessor, status: statusProcessor };

/**
 * The composition root: the only place that builds clients and wires them together.
 * `mode: 'all'` runs the chat side (adapters, dispatcher, relay) and a worker pool;
 * `mode: 'worker'` runs only workers, for other machines (`voxoz worker`).
 */
export async function startVoxoz(settings: Settings, env: NodeJS.ProcessEnv, log: Logger, mode: 'all' | 'worker' = 'all'): Promise<Voxoz> {
  const config = loadConfig(settings.configFile);
  const services = await ensureServices({ redisUrl: settings.redisUrl, dockerHost: settings.dockerHost, dataDir: settings.dataDir, log });
  const closers: Array<() => Promise<void>> = [services.stop];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => { timer = setTimeout(() => { log.warn('shutdown step timed out', { step: c.name }); resolve(); }, SHUTDOWN_STEP_MS); });
      await Promise.race([c().catch((err: unknown) => log.warn('shutdown step failed', { step: c.name, err })), timeout]);
      clearTimeout(timer);
      log.debug('shutdown step done', { step: c.name });
    }
  };
  try {
    const keys = redisKeys(settings.queueName);
    const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: 3 });
    redis.on('error', (err) => log.debug('redis error', { err }));
    closers.push(async function closeRedis() { await redis.quit(); });
    const docker = createDockerClient(services.dockerHost);
    await docker.ping().catch((err: Error) => { throw new Error(`the Docker engine at ${services.dockerHost} does not answer (${err.message})`); });
    await ensureBusyboxImage(docker).catch((err: Error) => log.warn('busybox:latest is not available; FROM busybox builds will fail', { reason: err.message }));
    const secretValues = (names: ReadonlyArray<string>) => Object.fromEntries(names.flatMap((n) => (env[n] !== undefined ? [[n, env[n]!]] : [])));
    const drivers: DriverMap = { docker: createDockerDriver({ docker, instance: settings.queueName, workDir: join(resolve(settings.dataDir), 'builds'), secretValues }) };
    const releases = createReleaseStore(redis, keys);
    const getConfig = (): LoadedConfig => config;
    const allSecrets = () => config.apps.flatMap((a) => Object.values(secretValues(a.secrets)));
    if (mode === 'worker' || config.worker.inProcess) {
      const workers: WorkerPool = await startWorkerPool({
        redis, keys, config: getConfig, drivers, releases, processors, log: log.child({ part: 'worker' }), now: () => new Date(),
        redisUrl: services.redisUrl, queueName: 'jobs', concurrency: config.worker.concurrency, secrets: allSecrets,
      });
      closers.push(function closeWorkers() { return workers.close(); });
      log.info('worker pool ready', { worker: workers.id, concurrency: config.worker.concurrency });
    }
    if (mode === 'worker') return { adapters: [], close };
    const queue = createJobQueue({ redisUrl: services.redisUrl, keys, queueName: 'jobs', attempts: config.worker.attempts });
    closers.push(function closeQueue() { return queue.close(); });
    const registry = createRegistry(commands);
    const dispatcher = createDispatcher({ registry, config: getConfig, queue, policy: requesterPolicy, log: log.child({ part: 'dispatch' }) });
    const adapters = createAdapters({ settings, dispatcher, registry, config: getConfig, log });
    const relay = startRelay({ redisUrl: services.redisUrl, keys, surfaces: adapters.map((a) => a.surface), log: log.child({ part: 'relay' }), lost: { isQueued: (id) => queue.isQueued(id) } });
    closers.push(function closeRelay() { return relay.close(); });
    const http = await startHttpServer({ host: settings.host, port: settings.port, mounts: adapters.flatMap((a) => a.mounts), log });
    closers.push(function closeHttp() { return http.close(); });
    for (const adapter of adapters) {
      await adapter.start();
      closers.push(function stopAdapter() { return adapter.stop(); });
    }
    log.info('voxoz ready', { url: `http://${settings.host}:${http.port}/`, adapters: adapters.map((a) => a.surface.platform), apps: config.apps.map((a) => a.name) });
    return { port: http.port, adapters, close };
  } catch (err) {
    await close();
    throw err;
  }
}
