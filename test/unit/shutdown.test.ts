import { describe, expect, it } from 'vitest';
import { closeWorker } from '../../src/jobs/close-worker.ts';
import { createShutdown, REDIS_GONE_STEP_MS } from '../../src/lifecycle/shutdown.ts';
import { silentLogger } from '../../src/observability/logger.ts';

const never = () => new Promise<void>(() => undefined);

describe('the shutdown', () => {
  it('runs steps last-registered first; once Redis does not answer, a step that needs it gets a moment, one that does not keeps its time', async () => {
    const shutdown = createShutdown(silentLogger);
    const ran: string[] = [];
    let asked = 0;
    let answers = true;
    shutdown.probeRedis(async () => {
      asked += 1;
      return answers;
    });
    const step = (name: string, ms?: number) => async () => {
      ran.push(name);
      if (ms === undefined) return never();
      await new Promise((r) => setTimeout(r, ms));
    };
    shutdown.add('stop services', step('stop services', 1500), 5000, { withoutRedis: true });
    shutdown.add('close relay', step('close relay'), 20_000);
    shutdown.add('close local', step('close local'), 20_000);
    shutdown.add('first', async () => {
      ran.push('first');
      answers = false;
    });
    const began = Date.now();
    await shutdown.run();
    const took = Date.now() - began;
    expect(ran).toEqual(['first', 'close local', 'close relay', 'stop services']);
    // Two steps that never end, REDIS_GONE_STEP_MS each, and the 1.5 s of the one that needs no Redis.
    expect(took).toBeGreaterThanOrEqual(2 * REDIS_GONE_STEP_MS + 1500 - 50);
    expect(took).toBeLessThan(10_000);
    // Asked before each step that needs Redis until it once did not answer; never again after.
    expect(asked).toBe(2);
  });

  it('without a probe, each step has its whole time', async () => {
    const shutdown = createShutdown(silentLogger);
    let done = false;
    shutdown.add('slow', async () => {
      await new Promise((r) => setTimeout(r, REDIS_GONE_STEP_MS + 300));
      done = true;
    });
    await shutdown.run();
    expect(done).toBe(true);
  });
});

describe('closing a BullMQ worker', () => {
  it('waits for its running jobs however long, then gives a close that hangs (Redis gone) only its grace', async () => {
    let running = true;
    setTimeout(() => {
      running = false;
    }, 600);
    const began = Date.now();
    await closeWorker({ close: never }, () => !running, 200);
    const took = Date.now() - began;
    expect(took).toBeGreaterThanOrEqual(800 - 20);
    expect(took).toBeLessThan(3000);
  });

  it('returns as soon as the close ends', async () => {
    const began = Date.now();
    await closeWorker({ close: async () => undefined }, () => true, 5000);
    expect(Date.now() - began).toBeLessThan(1000);
  });
});
