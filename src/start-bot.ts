import type { Redis } from 'ioredis';
import { commands } from '../commands/index.ts';
import { createAdapters } from '../adapters/index.ts';
import { ensureLocalToken } from '../adapters/local/local-token.ts';
import { type AlertDeps, startAlerts } from './alerts/start-alerts.ts';
import { auditJobEvents } from './audit/audit-job-events.ts';
import type { LoadedConfig } from './config/load-config.ts';
import type { Settings } from './config/read-settings.ts';
import type { ChatAdapter } from './core/chat-adapter.ts';
import type { Clock } from './core/clock.ts';
import { createDashboard } from './dashboard/dashboard.ts';
import { createRegistry } from './dispatch/command-registry.ts';
import { createDispatcher } from './dispatch/dispatcher.ts';
import type { DriverMap } from './drivers/driver.ts';
import { healthMounts, type ReadyCheck } from './http/health-routes.ts';
import { startHttpServer } from './http/http-server.ts';
import { createJobQueue } from './jobs/job-queue.ts';
import { allQueues, DEFAULT_QUEUE, routeJob } from './jobs/job-route.ts';
import { refuseUnserved } from './jobs/worker-presence.ts';
import { processors } from './jobs/processors/index.ts';
import type { ProcessorMap } from './jobs/processors/processor.ts';
import type { ReloadResult } from './lifecycle/reload-config.ts';
import type { Shutdown } from './lifecycle/shutdown.ts';
import type { Logger } from './observability/logger.ts';
import type { Metrics } from './observability/metrics.ts';
import { startRelay } from './relay/relay.ts';
import { createStatusSamples } from './schedule/samples.ts';
import { startScheduleTicks } from './schedule/schedule-ticks.ts';
import { createSummaryHistory } from './schedule/summary-history.ts';
import { startGovernance } from './start-governance.ts';
import type { DesiredStore } from './store/desired-store.ts';
import type { RedisKeys } from './store/keys.ts';
import type { LockStore } from './store/lock-store.ts';
import type { SystemJobRecorder } from './store/record-system-job.ts';
import type { RedisConnector } from './store/redis-connector.ts';
import type { ReleaseStore } from './store/release-store.ts';
import { quitRedis } from './store/quit-redis.ts';

/** How long the relay gets to post the last messages of jobs that ended while draining. @defaultValue 5 s */
const RELAY_SETTLE_MS = 5000;

export interface BotDeps {
  settings: Settings;
  config: () => LoadedConfig;
  /** What `reload` in the local chat (and the web page) runs. */
  reload: () => ReloadResult;
  connect: RedisConnector;
  redis: Redis;
  keys: RedisKeys;
  now: Clock;
  log: Logger;
  shutdown: Shutdown;
  metrics: Metrics;
  /** The process' readiness checks: the queue and each connected chat platform are added to them. */
  readyChecks: Record<string, ReadyCheck>;
  checks: () => Record<string, ReadyCheck>;
  drivers: DriverMap;
  releases: ReleaseStore;
  locks: LockStore;
  desired: DesiredStore;
  systemJobs: SystemJobRecorder;
  /** The engines whose events the alerts watch, by runtime (none in a bot-only process without an engine). */
  alertWatchers: AlertDeps['watchers'];
}

export interface Bot {
  /** The HTTP port (local API, web page, platform endpoints, health and metrics). */
  port: number;
  adapters: ChatAdapter[];
  /** The local API's per-install token. */
  localToken: string;
  /** Makes the BullMQ job schedulers match `schedules:` (at a reload). */
  syncSchedules: () => Promise<void>;
}

/**
 * The chat side of a voxoz process: the queue commands go to, governance (audit, access,
 * approvals), the dispatcher, the adapters and the HTTP server they mount on, the relay that
 * posts the jobs' events, the schedule ticks and the alerts. Each part is added to `shutdown` as
 * it starts, so they stop in the reverse order.
 */
export async function startBot(deps: BotDeps): Promise<Bot> {
  const {
    settings,
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
    reload,
  } = deps;
  const getConfig = deps.config;
  const queue = createJobQueue({
    connect,
    now,
    keys,
    queueName: DEFAULT_QUEUE,
    queueNames: () => allQueues(getConfig()),
    route: (data) => routeJob(getConfig(), data),
    refuseUnserved: refuseUnserved(redis, keys, getConfig),
    attempts: getConfig().worker.attempts,
    maxQueuedPerUser: getConfig().worker.maxQueuedPerUser,
    log: log.child({ part: 'queue' }),
  });
  shutdown.add('close queue', () => queue.close());
  readyChecks.queue = () => queue.ping();
  const registry = createRegistry(commands);
  const { audit, policy, approvals } = startGovernance({
    settings,
    connect,
    redis,
    keys,
    config: getConfig,
    releases,
    locks,
    systemJobs,
    now,
    log,
    shutdown,
    dispatcher: () => dispatcher,
    onApprovalDecided: (state) => metrics.approvalDecided(state),
  });
  const dispatcher = createDispatcher({
    registry,
    config: getConfig,
    queue,
    releases,
    locks,
    policy,
    approvals,
    audit,
    log: log.child({ part: 'dispatch' }),
    now,
  });
  const localToken = ensureLocalToken(settings.dataDir);
  // The local chat's threads live in Redis; its events arrive on a pub/sub connection of their own.
  const localEvents = connect('blocking', 'voxoz-local-events');
  shutdown.add('close local chat events', async () => {
    await quitRedis(localEvents);
  });
  const adapters = createAdapters({
    settings,
    dispatcher,
    registry,
    config: getConfig,
    log,
    local: {
      token: localToken,
      control: { reload },
      threads: { redis, subscriber: localEvents, keys },
      dashboard: createDashboard({
        config: getConfig,
        drivers,
        releases,
        locks,
        desired,
        history: createSummaryHistory(redis, keys, 'jobs', (kind) => (processors as ProcessorMap)[kind]?.mutates === false),
        samples: createStatusSamples(redis, keys, () => now().getTime()),
        jobs: queue,
        commands: registry.commands,
        now,
      }),
    },
  });
  for (const adapter of adapters) {
    const { connected } = adapter;
    if (connected)
      readyChecks[`chat:${adapter.surface.platform}`] = async () => {
        if (!connected()) throw new Error(`${adapter.surface.platform} is not connected`);
      };
  }
  const http = await startHttpServer({
    host: settings.host,
    port: settings.port,
    mounts: [...adapters.flatMap((a) => a.mounts), ...healthMounts({ metrics, checks })],
    log,
  });
  shutdown.add('close http', () => http.close(), undefined, { withoutRedis: true });
  for (const adapter of adapters) {
    await adapter.start();
    shutdown.add(`stop ${adapter.surface.platform}`, () => adapter.stop());
  }
  const auditEvent = auditJobEvents({ redis, keys, audit, log: log.child({ part: 'audit' }) });
  const relay = startRelay({
    connect,
    keys,
    surfaces: adapters.map((a) => metrics.instrumentSurface(a.surface)),
    log: log.child({ part: 'relay' }),
    lost: { isQueued: (id) => queue.isQueued(id) },
    onEvent: (job, event) => {
      metrics.relayLag((Date.now() - Date.parse(event.at)) / 1000);
      auditEvent(job, event);
    },
  });
  shutdown.add('close relay', async () => {
    // Jobs that ended while the workers drained still have messages to post.
    if (!(await relay.settle(RELAY_SETTLE_MS)))
      log.warn('the relay could not post everything before stopping; the next start posts the rest');
    await relay.close();
  });
  // After the relay: a tick may queue a summary at once. Every bot process syncs the same config; BullMQ keeps one scheduler per name.
  const ticks = startScheduleTicks({
    connect,
    keys,
    config: getConfig,
    systemJobs,
    log: log.child({ part: 'schedules' }),
    platforms: adapters.map((a) => a.surface.platform),
  });
  shutdown.add('stop schedules', () => ticks.close());
  const syncSchedules = () => ticks.sync();
  await syncSchedules().catch((err: unknown) => log.warn('schedules were not synced', { err }));
  // Incidents from the engine's events, posted through the relay; every bot process watches, each incident is decided once in Redis.
  const alerts = startAlerts({
    redis,
    keys,
    config: getConfig,
    drivers,
    releases,
    desired,
    watchers: deps.alertWatchers,
    log: log.child({ part: 'alerts' }),
    now,
  });
  shutdown.add('stop alerts', () => alerts.close());
  return { port: http.port, adapters, localToken, syncSchedules };
}
