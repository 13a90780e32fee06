import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { startRedisServer, type RunningRedis } from '../../src/services/redis-server.ts';
import { startTestVoxoz } from '../support/start-voxoz.ts';

// A redis-server of this file's own: it goes away under a running voxoz, as an external REDIS_URL can.
let server: RunningRedis;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vxg-'));
  server = await startRedisServer(join(dir, 'redis'));
});
afterAll(async () => {
  await server.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('a graceful stop while Redis does not answer', () => {
  it('stops in seconds, not by waiting out each step (a QUIT waits for a gone Redis without end)', { timeout: 90_000 }, async () => {
    const lines: string[] = [];
    const log = createLogger('debug', {}, (line) => lines.push(line), 'json');
    const voxoz = await startTestVoxoz({ env: { REDIS_URL: server.url }, log });
    const status = await fetch(`${voxoz.url}/healthz`);
    expect(status.status).toBe(200);
    process.kill(server.pid, 'SIGKILL');
    const began = Date.now();
    await voxoz.close();
    const took = Date.now() - began;
    const said = lines.map((l) => JSON.parse(l) as { msg: string; step?: string; ms?: number });
    expect(said.filter((l) => l.msg === 'shutdown step timed out')).toEqual([]);
    expect(said.some((l) => l.msg.startsWith('Redis does not answer'))).toBe(true);
    // Every step ran (the services were stopped last).
    expect(said.some((l) => l.msg === 'shutdown step done' && l.step === 'stop services')).toBe(true);
    // Each step that needs Redis got a moment; the drain (no job ran) the worker's grace. Before: 3 min.
    expect(took).toBeLessThan(40_000);
  });
});
