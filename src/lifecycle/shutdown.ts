import type { Logger } from '../observability/logger.ts';

/** Longest any one shutdown step may take before voxoz moves on. @defaultValue 20 s */
export const SHUTDOWN_STEP_MS = 20_000;

/**
 * Longest a step that needs Redis may take once Redis does not answer. Such a step can write
 * nothing then (a client that retries waits for the server without end), so waiting out its
 * whole timeout only delays the stop; what it could not write, the next start takes over.
 * @defaultValue 1 s
 */
export const REDIS_GONE_STEP_MS = 1000;

export interface StepOptions {
  /** The step needs no Redis (stopping dockerd, closing the HTTP server, draining jobs): it keeps its whole timeout when Redis is gone. */
  withoutRedis?: boolean;
}

export interface Shutdown {
  /** Registers a step; steps run in the reverse order of registration (last started, first stopped). */
  add(name: string, step: () => Promise<void>, timeoutMs?: number, opts?: StepOptions): void;
  /** How to ask whether Redis answers; asked before each step that needs it, until it once does not. */
  probeRedis(answers: () => Promise<boolean>): void;
  /** Runs every registered step once, each bounded by its timeout; a failing step does not stop the rest. */
  run(): Promise<void>;
}

export function createShutdown(log: Logger): Shutdown {
  const steps: Array<{ name: string; step: () => Promise<void>; timeoutMs: number; withoutRedis: boolean }> = [];
  let probe: (() => Promise<boolean>) | undefined;
  let redisGone = false;
  const limitFor = async (name: string, timeoutMs: number, withoutRedis: boolean) => {
    if (withoutRedis || !probe) return timeoutMs;
    if (!redisGone && !(await probe().catch(() => false))) {
      redisGone = true;
      log.warn(
        'Redis does not answer: each step that needs it gets a moment, not its whole time; the next start takes over what was not written',
        {
          step: name,
          ms: REDIS_GONE_STEP_MS,
        },
      );
    }
    return redisGone ? Math.min(timeoutMs, REDIS_GONE_STEP_MS) : timeoutMs;
  };
  return {
    add: (name, step, timeoutMs = SHUTDOWN_STEP_MS, opts = {}) => {
      steps.push({ name, step, timeoutMs, withoutRedis: opts.withoutRedis === true });
    },
    probeRedis: (answers) => {
      probe = answers;
    },
    async run() {
      for (const { name, step, timeoutMs, withoutRedis } of steps.splice(0).reverse()) {
        const started = Date.now();
        const limit = await limitFor(name, timeoutMs, withoutRedis);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            if (limit === timeoutMs) log.warn('shutdown step timed out', { step: name, ms: limit });
            else log.debug('shutdown step left unfinished: Redis does not answer', { step: name, ms: limit });
            resolve();
          }, limit);
        });
        const failed = (err: unknown) => log[redisGone ? 'debug' : 'warn']('shutdown step failed', { step: name, err });
        await Promise.race([step().catch(failed), timeout]);
        clearTimeout(timer);
        log.debug('shutdown step done', { step: name, ms: Date.now() - started });
      }
    },
  };
}

/** Whether a client's server answers a PING within `ms` (a client not connected now does not). */
export async function redisAnswers(client: { status: string; ping(): Promise<unknown> }, ms = 1000): Promise<boolean> {
  if (client.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([client.ping().then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
