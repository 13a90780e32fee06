import type { LoadedConfig } from './config/load-config.ts';
import type { DeployStep } from './drivers/deploy-steps.ts';
import { crashPoint } from './jobs/crash-point.ts';
import { DEFAULT_QUEUE, routeJob, servedQueues } from './jobs/job-route.ts';
import { watchReach } from './jobs/reach-watch.ts';
import { startWorkerPool, type WorkerPool, type WorkerPoolOptions } from './jobs/worker-pool.ts';
import type { Shutdown } from './lifecycle/shutdown.ts';
import { type DockerRuntime, TARGET_LOSS_CHECKS } from './start-docker.ts';

/** How long running jobs may go on after a stop is asked for before they are cancelled. @defaultValue 30 s */
export const DRAIN_MS = 30_000;
/** Why jobs cancelled by a stop say they were cancelled. */
export const STOP_REASON = 'voxoz stopping';

/** What the worker pool is built from (the composition root's parts); what it takes is decided here. */
export type StartWorkersDeps = Omit<
  WorkerPoolOptions,
  'config' | 'queueName' | 'queueNames' | 'reaches' | 'serves' | 'concurrency' | 'stalledMs' | 'lockTtlMs' | 'checkpoint'
> & {
  config: () => LoadedConfig;
  /** The Xen hosts that answer now. */
  ling: { reachable(): Promise<ReadonlySet<string>> };
  docker: Pick<DockerRuntime, 'reach' | 'recheck'>;
  /** VOXOZ_CRASH_AT, for the kill -9 tests. */
  crashAt?: DeployStep;
  shutdown: Shutdown;
};

/**
 * Starts this process' workers on the queues of what it reaches (the engine and the targets that
 * answer, the Xen hosts that answer), registers their drain with the shutdown (after DRAIN_MS
 * the running jobs are cancelled and roll back), and asks again every
 * `worker.reachCheckSeconds` and whenever `recheck` is called (a reload).
 */
export async function startWorkers(deps: StartWorkersDeps): Promise<{ pool: WorkerPool; recheck: () => Promise<void> }> {
  const { config, log, shutdown } = deps;
  // A Xen host served stays served until it misses TARGET_LOSS_CHECKS checks in a row (as a target does): a slow answer under load is not a loss.
  let xenServed: ReadonlySet<string> | undefined;
  const xenMisses = new Map<string, number>();
  const xenReached = async () => {
    const answered = await deps.ling.reachable();
    const kept = new Set(answered);
    for (const host of config().xen?.hosts ?? []) {
      if (answered.has(host.name)) xenMisses.delete(host.name);
      else {
        const missed = (xenMisses.get(host.name) ?? 0) + 1;
        xenMisses.set(host.name, missed);
        if (xenServed?.has(host.name) && missed < TARGET_LOSS_CHECKS) kept.add(host.name);
      }
    }
    xenServed = kept;
    return kept;
  };
  const decide = async () => {
    const xenHosts = await xenReached();
    const reach = deps.docker.reach();
    return {
      xenHosts,
      queues: servedQueues(config(), { engine: reach.targets.has('local'), targets: reach.targets, xenHosts }),
      reaches: [...reach.words, ...[...xenHosts].map((h) => `Xen host ${h}`)],
    };
  };
  const { xenHosts, queues, reaches } = await decide();
  let served: readonly string[] = queues;
  if ((config().xen?.hosts.length ?? 0) > 0 && xenHosts.size === 0)
    log.warn('no Xen host answers: this worker takes no LING jobs until one does (they are refused while no worker takes them)');
  if (served.length === 0) throw new Error('this worker reaches no Docker engine, target or Xen host: it could take no job');
  const { ling: _ling, docker: _docker, crashAt, shutdown: _shutdown, ...poolDeps } = deps;
  const worker = config().worker;
  const stopping = new AbortController();
  const pool = await startWorkerPool({
    ...poolDeps,
    stopping: stopping.signal,
    queueName: DEFAULT_QUEUE,
    queueNames: served,
    reaches,
    serves: (app, env) => served.includes(routeJob(config(), { app, env })),
    concurrency: worker.concurrency,
    stalledMs: worker.stalledSeconds * 1000,
    lockTtlMs: worker.stalledSeconds * 4000,
    ...(crashAt ? { checkpoint: crashPoint(crashAt) } : {}),
  });
  shutdown.add(
    'drain workers',
    async () => {
      stopping.abort(STOP_REASON);
      const cancel = setTimeout(() => {
        log.warn('running jobs did not finish in time; cancelling them so they roll back', { ms: DRAIN_MS });
        pool.abortAll(STOP_REASON);
      }, DRAIN_MS);
      await pool.close().finally(() => clearTimeout(cancel));
    },
    DRAIN_MS + 60_000,
    // Running jobs may finish their engine's work without Redis; the pool's close does not wait on a Redis that is gone.
    { withoutRedis: true },
  );
  log.info('worker pool ready', { worker: pool.id, concurrency: worker.concurrency, queues: served });
  const reachWatch = watchReach({
    pool,
    decide: async () => {
      await deps.docker.recheck();
      return decide();
    },
    everyMs: () => config().worker.reachCheckSeconds * 1000,
    log,
    onChange: (now) => {
      served = now;
    },
  });
  shutdown.add('stop reach checks', () => reachWatch.stop());
  return { pool, recheck: reachWatch.check };
}
