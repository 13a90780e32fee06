import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DriverMap } from '../drivers/driver.ts';
import { RateLimitedError, type ChatSurface } from '../relay/chat-surface.ts';

/** Seconds buckets for jobs and their steps: a status answers in ms, a build takes minutes. */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];
/** Seconds buckets for calls (driver, chat) and waits. */
const CALL_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Job states BullMQ counts, as the queue-depth gauge names them. */
const DEPTH_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
export type QueueCounts = Partial<Record<(typeof DEPTH_STATES)[number] | 'wait', number>>;

/**
 * One process's metrics, in Prometheus' text format at `/metrics` (prom-client, a registry of
 * its own, so several voxoz in one test process do not mix). Every name starts with `voxoz_`;
 * labels take values from config and code (kinds, apps, environments, platforms, methods),
 * never from free text. The process' own (CPU, memory, event loop lag) come with `process_` and `nodejs_`.
 */
export interface Metrics {
  readonly registry: Registry;
  /** A job ended here: outcome succeeded | failed | cancelled | dropped (never confirmed to its user). */
  jobEnded(kind: string, outcome: string, seconds: number, where?: { app?: string | undefined; env: string }): void;
  /** A job started `seconds` after it was queued (or after its delay ran out). */
  jobWaited(queue: string, seconds: number): void;
  /** A step of a job (build, health-wait, switch, …) ended. */
  stepEnded(kind: string, step: string, state: string, seconds: number): void;
  /** Where the queue depth is read from when scraped (each queue's BullMQ counts). */
  queueDepth(read: () => Promise<Record<string, QueueCounts>>): void;
  /** The relay read a job's event `seconds` after the worker wrote it. */
  relayLag(seconds: number): void;
  /** An approval was decided: approved | rejected | expired | void. */
  approvalDecided(outcome: string): void;
  /** The surface, with every platform call counted and timed (outcome ok | rate_limited | error). */
  instrumentSurface(surface: ChatSurface): ChatSurface;
  /** The drivers, with every call timed (outcome ok | error). */
  instrumentDrivers(drivers: DriverMap): DriverMap;
  /** The text a scrape gets, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export function createMetrics(labels: Record<string, string> = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  const histogram = (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
    new Histogram({ name, help, labelNames, buckets, registers: [registry] });
  const jobs = counter('voxoz_jobs_total', 'Jobs that ended in this worker, by kind and outcome', ['kind', 'outcome']);
  const jobSeconds = histogram('voxoz_job_duration_seconds', 'How long jobs ran, from their start here to their end', JOB_BUCKETS, [
    'kind',
    'outcome',
  ]);
  const stepSeconds = histogram(
    'voxoz_job_step_duration_seconds',
    'How long each step of a job took, by kind, step and how it ended',
    JOB_BUCKETS,
    ['kind', 'step', 'state'],
  );
  const waitSeconds = histogram(
    'voxoz_queue_wait_seconds',
    'How long jobs waited in their queue before a worker started them',
    CALL_BUCKETS,
    ['queue'],
  );
  const deploys = counter('voxoz_deploys_total', 'Deploys that ended, by app, environment and outcome', ['app', 'env', 'outcome']);
  const rollbacks = counter('voxoz_rollbacks_total', 'Rollbacks that ended, by app, environment and outcome', ['app', 'env', 'outcome']);
  const chatCalls = counter(
    'voxoz_chat_api_calls_total',
    'Calls to a chat platform, by platform, method and outcome (rate_limited: the platform answered 429)',
    ['platform', 'method', 'outcome'],
  );
  const chatSeconds = histogram('voxoz_chat_api_call_duration_seconds', 'How long calls to a chat platform took', CALL_BUCKETS, [
    'platform',
    'method',
  ]);
  const relayLagSeconds = histogram(
    'voxoz_relay_lag_seconds',
    "How long after a worker wrote a job's start or end the relay read it",
    CALL_BUCKETS,
  );
  const driverSeconds = histogram(
    'voxoz_driver_call_duration_seconds',
    'How long calls into a runtime driver took, by runtime, call and outcome',
    JOB_BUCKETS,
    ['runtime', 'call', 'outcome'],
  );
  const approvals = counter('voxoz_approvals_total', 'Approval requests decided, by outcome', ['outcome']);
  let readDepth: (() => Promise<Record<string, QueueCounts>>) | undefined;
  new Gauge({
    name: 'voxoz_queue_jobs',
    help: 'Jobs in each queue now, by state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      if (!readDepth) return;
      this.reset();
      const counts = await readDepth().catch(() => ({}) as Record<string, QueueCounts>);
      for (const [queue, c] of Object.entries(counts))
        for (const state of DEPTH_STATES) this.set({ queue, state }, (state === 'waiting' ? (c.waiting ?? c.wait) : c[state]) ?? 0);
    },
  });

  return {
    registry,
    jobEnded(kind, outcome, seconds, where) {
      jobs.inc({ kind, outcome });
      jobSeconds.observe({ kind, outcome }, seconds);
      const counter = kind === 'deploy' ? deploys : kind === 'rollback' ? rollbacks : undefined;
      if (counter && where?.app) counter.inc({ app: where.app, env: where.env, outcome });
    },
    jobWaited: (queue, seconds) => waitSeconds.observe({ queue }, Math.max(0, seconds)),
    stepEnded: (kind, step, state, seconds) => stepSeconds.observe({ kind, step, state }, seconds),
    queueDepth(read) {
      readDepth = read;
    },
    relayLag: (seconds) => relayLagSeconds.observe(Math.max(0, seconds)),
    approvalDecided: (outcome) => approvals.inc({ outcome }),
    instrumentSurface(surface) {
      const platform = surface.platform;
      return instrument(surface, (method, outcome, seconds) => {
        chatCalls.inc({ platform, method, outcome });
        chatSeconds.observe({ platform, method }, seconds);
      });
    },
    instrumentDrivers(drivers) {
      return Object.fromEntries(
        Object.entries(drivers).map(([k, d]) => [
          k,
          instrument(d, (call, outcome, seconds) => driverSeconds.observe({ runtime: d.runtime, call, outcome }, seconds)),
        ]),
      );
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/**
 * `target` with each method that returns a promise timed: `done(method, outcome, seconds)` once it
 * settles (outcome ok, rate_limited for a RateLimitedError, else error). Other members pass through.
 */
function instrument<T extends object>(target: T, done: (method: string, outcome: string, seconds: number) => void): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        const start = performance.now();
        const result = (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (v: unknown) => {
            done(prop, 'ok', (performance.now() - start) / 1000);
            return v;
          },
          (err: unknown) => {
            done(prop, err instanceof RateLimitedError ? 'rate_limited' : 'error', (performance.now() - start) / 1000);
            throw err;
          },
        );
      };
    },
  });
}
