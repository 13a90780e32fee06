/**
 * One worker process of bench/queue-bench.ts (started by it with fork; not a bench of its own).
 * argv[2] is a JSON `WorkerProcessArgs`. `voxoz` runs voxoz's real worker pool (startWorkerPool,
 * built as test/support/spine-harness.ts builds it) with a `status` processor that does nothing;
 * `bare` runs a plain BullMQ Worker with a no-op processor. Over IPC it says `ready`, then, when
 * asked to `stop` (or for its `cpu`), how many times its processor ran (and its CPU time since `ready`, or since the last `mark`); with `report` also each processor start
 * (`performance.timeOrigin + performance.now()`, the same clock as the parent's). It exits when
 * its parent goes away. Only types may be imported from here: importing it runs it.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { validateConfig } from '../src/config/load-config.ts';
import type { JobData } from '../src/core/types.ts';
import { startWorkerPool } from '../src/jobs/worker-pool.ts';
import { silentLogger } from '../src/observability/logger.ts';
import { createDesiredStore } from '../src/store/desired-store.ts';
import { redisKeys } from '../src/store/keys.ts';
import { createLockStore } from '../src/store/lock-store.ts';
import { createReleaseStore } from '../src/store/release-store.ts';
import { scriptedDriver } from '../test/support/scripted-driver.ts';

export interface WorkerProcessArgs {
  mode: 'voxoz' | 'bare';
  redisUrl: string;
  /** voxoz: the name given to redisKeys (its queue is `jobs`); bare: the BullMQ queue name. */
  name: string;
  concurrency: number;
  /** Send `{ type: 'started', id, at }` at each processor start (the latency runs). */
  report: boolean;
  /** voxoz: the voxoz.yml the bot that queues the jobs was started with. */
  config: unknown;
}

export type WorkerProcessMessage =
  | { type: 'ready' }
  | { type: 'started'; id: string; at: number }
  /** `cpuMs`: the process' CPU time (user + system) from `ready` (or the last `mark`) to `stop`. */
  | { type: 'stopped'; ran: number; cpuMs: number }
  /** The answer to `cpu`: its CPU time since the last `mark`, and how many times its processor ran in all. */
  | { type: 'cpu'; ran: number; cpuMs: number }
  | { type: 'failed'; error: string };

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessArgs;
const send = (m: WorkerProcessMessage) => process.send?.(m);
const clock = () => performance.timeOrigin + performance.now();
let ran = 0;
const started = (id: string) => {
  ran += 1;
  if (args.report) send({ type: 'started', id, at: clock() });
};

process.on('disconnect', () => process.exit(1));
try {
  const redis = new Redis(args.redisUrl, { maxRetriesPerRequest: null });
  let close: () => Promise<void>;
  if (args.mode === 'voxoz') {
    const keys = redisKeys(args.name);
    const config = validateConfig(args.config, '/bench/voxoz.yml');
    const pool = await startWorkerPool({
      redis,
      keys,
      config: () => config,
      drivers: { docker: scriptedDriver() },
      releases: createReleaseStore(redis, keys),
      locks: createLockStore(redis, keys),
      processors: {
        status: {
          mutates: false,
          run: async ({ data }) => {
            started(data.id);
            return { title: 'no-op' };
          },
        },
      },
      log: silentLogger,
      now: () => new Date(),
      redisUrl: args.redisUrl,
      queueName: 'jobs',
      concurrency: args.concurrency,
      secrets: () => [],
      desired: createDesiredStore(redis, keys),
    });
    close = () => pool.close();
  } else {
    const worker = new Worker<Pick<JobData, 'id'>>(
      args.name,
      async (job) => {
        started(job.data.id);
      },
      { connection: redis, concurrency: args.concurrency },
    );
    await worker.waitUntilReady();
    close = () => worker.close();
  }
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'mark') readyCpu = process.cpuUsage();
    if (m.type === 'cpu') {
      const cpu = process.cpuUsage(readyCpu);
      send({ type: 'cpu', ran, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
    if (m.type !== 'stop') return;
    void (async () => {
      await close();
      await redis.quit();
      const cpu = process.cpuUsage(readyCpu);
      process.send?.({ type: 'stopped', ran, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies WorkerProcessMessage, () => process.exit(0));
    })();
  });
  let readyCpu = process.cpuUsage();
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'failed', error: String((err as Error).stack ?? err) });
  process.exit(1);
}
