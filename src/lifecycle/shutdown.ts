import type { Logger } from '../observability/logger.ts';

/** Longest any one shutdown step may take before voxoz moves on. @defaultValue 20 s */
export const SHUTDOWN_STEP_MS = 20_000;

export interface Shutdown {
  /** Registers a step; steps run in the reverse order of registration (last started, first stopped). */
  add(name: string, step: () => Promise<void>, timeoutMs?: number): void;
  /** Runs every registered step once, each bounded by its timeout; a failing step does not stop the rest. */
  run(): Promise<void>;
}

export function createShutdown(log: Logger): Shutdown {
  const steps: Array<{ name: string; step: () => Promise<void>; timeoutMs: number }> = [];
  return {
    add: (name, step, timeoutMs = SHUTDOWN_STEP_MS) => {
      steps.push({ name, step, timeoutMs });
    },
    async run() {
      for (const { name, step, timeoutMs } of steps.splice(0).reverse()) {
        const started = Date.now();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            log.warn('shutdown step timed out', { step: name, ms: timeoutMs });
            resolve();
          }, timeoutMs);
        });
        await Promise.race([step().catch((err: unknown) => log.warn('shutdown step failed', { step: name, err })), timeout]);
        clearTimeout(timer);
        log.debug('shutdown step done', { step: name, ms: Date.now() - started });
      }
    },
  };
}
