import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSettings } from '../../src/config/read-settings.ts';
import { startVoxoz, type Voxoz } from '../../src/main.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { ensureRedisServer, type RunningRedis } from '../../src/services/redis-server.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

/**
 * voxoz on a Redis of its own (so the test can stop it), a deploy through the local chat, then
 * what a scrape of /metrics says, what /healthz and /readyz answer with Redis up, down and back,
 * and a worker-only process serving the same three.
 */
let dir = '';
let redisPort = 0;
let redis: RunningRedis | undefined;
let voxoz: TestVoxoz | undefined;
let worker: Voxoz | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vx-metrics-'));
  redisPort = await findFreePort();
  redis = await ensureRedisServer(join(dir, 'redis'), { tcpPort: redisPort });
  voxoz = await startTestVoxoz({ env: { REDIS_URL: redis.url } });
}, 120_000);
afterAll(async () => {
  await worker?.close().catch(() => undefined);
  await voxoz?.close().catch(() => undefined);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const auth = () => ({ authorization: `Bearer ${voxoz!.localToken}` });

/** Sends a command through the local chat and waits until its thread is over; its outcome (and, when not succeeded, what it said). */
async function run(text: string): Promise<string> {
  const res = await fetch(`${voxoz!.url}/local/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth() },
    body: JSON.stringify({ user: 'alice', text }),
  });
  expect(res.status).toBe(202);
  const { thread } = (await res.json()) as { thread: string };
  let outcome = '';
  await waitUntil(
    `"${text}" to finish`,
    async () => {
      const read = (await (await fetch(`${voxoz!.url}/local/threads/${thread}`, { headers: auth() })).json()) as {
        state: string;
        outcome: string;
        messages: Array<{ text: string }>;
      };
      outcome = read.outcome === 'succeeded' ? read.outcome : `${read.outcome}: ${read.messages.map((m) => m.text).join(' / ')}`;
      return read.state === 'done';
    },
    90_000,
    200,
  );
  return outcome;
}

/** The samples of a scrape: `name{labels} value` lines, comments left out. */
async function scrape(base: string): Promise<{ type: string; lines: string[] }> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { type: res.headers.get('content-type') ?? '', lines: text.split('\n').filter((l) => l && !l.startsWith('#')) };
}

/** The value of the one sample named `name` whose labels include every pair of `labels`. */
function sample(lines: string[], name: string, labels: Record<string, string>): number | undefined {
  const found = lines.filter((l) => {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(l);
    if (!m || m[1] !== name) return false;
    return Object.entries(labels).every(([k, v]) => (m[2] ?? '').split(',').includes(`${k}="${v}"`));
  });
  return found.length === 1 ? Number(found[0]!.split(' ').pop()) : found.length === 0 ? undefined : Number.NaN;
}

describe('instrumented by default', () => {
  it('after a deploy, /metrics names the job, its steps, its wait, the queue, the driver calls and the chat calls with their labels', async () => {
    expect(await run('deploy hello')).toBe('succeeded');
    expect(await run('status hello')).toBe('succeeded');
    const { type, lines } = await scrape(voxoz!.url);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(lines, 'voxoz_jobs_total', { kind: 'deploy', outcome: 'succeeded' })).toBe(1);
    expect(sample(lines, 'voxoz_jobs_total', { kind: 'status', outcome: 'succeeded' })).toBe(1);
    expect(sample(lines, 'voxoz_deploys_total', { app: 'hello', env: 'production', outcome: 'succeeded' })).toBe(1);
    expect(sample(lines, 'voxoz_job_duration_seconds_count', { kind: 'deploy', outcome: 'succeeded' })).toBe(1);
    expect(sample(lines, 'voxoz_job_duration_seconds_bucket', { kind: 'deploy', outcome: 'succeeded', le: '+Inf' })).toBe(1);
    for (const step of ['build', 'deploy'])
      expect(sample(lines, 'voxoz_job_step_duration_seconds_count', { kind: 'deploy', step, state: 'done' }), step).toBe(1);
    expect(sample(lines, 'voxoz_queue_wait_seconds_count', { queue: 'jobs' })).toBe(2);
    for (const state of ['waiting', 'active', 'delayed', 'failed'])
      expect(sample(lines, 'voxoz_queue_jobs', { queue: 'jobs', state }), state).toBe(0);
    expect(sample(lines, 'voxoz_driver_call_duration_seconds_count', { runtime: 'docker', call: 'deploy', outcome: 'ok' })).toBe(1);
    expect(sample(lines, 'voxoz_driver_call_duration_seconds_count', { runtime: 'docker', call: 'build', outcome: 'ok' })).toBe(1);
    expect(sample(lines, 'voxoz_chat_api_calls_total', { platform: 'local', method: 'postParent', outcome: 'ok' })).toBe(2);
    expect(sample(lines, 'voxoz_chat_api_calls_total', { platform: 'local', method: 'updateParent', outcome: 'ok' })).toBeGreaterThan(0);
    // Each job's start and end, as the relay read them.
    expect(sample(lines, 'voxoz_relay_lag_seconds_count', {})).toBe(4);
    // The process' own.
    expect(sample(lines, 'process_resident_memory_bytes', {})).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith('nodejs_eventloop_lag_seconds'))).toBe(true);
    // No sample says anything of a token.
    expect(lines.join('\n')).not.toContain(voxoz!.localToken!);
  }, 180_000);

  it('/healthz answers while the process runs; /readyz is 503 naming Redis while it is down, 200 again once it is back', async () => {
    const get = async (path: string) => {
      const res = await fetch(`${voxoz!.url}${path}`);
      return {
        status: res.status,
        body: (await res.json()) as { ready?: boolean; checks?: Record<string, { ok: boolean; error?: string }> },
      };
    };
    expect(await get('/healthz')).toEqual({ status: 200, body: { ok: true } });
    const up = await get('/readyz');
    expect(up.status).toBe(200);
    expect(up.body.checks).toMatchObject({ redis: { ok: true }, queue: { ok: true }, docker: { ok: true } });
    expect((await fetch(`${voxoz!.url}/readyz`, { method: 'POST' })).status).toBe(405);

    await redis!.stop();
    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body.ready).toBe(false);
    expect(down.body.checks?.redis?.ok).toBe(false);
    expect(down.body.checks?.queue?.ok).toBe(false);
    expect(down.body.checks?.docker?.ok).toBe(true);
    expect((await get('/healthz')).status).toBe(200);

    redis = await ensureRedisServer(join(dir, 'redis'), { tcpPort: redisPort });
    await waitUntil('/readyz to be 200 again', async () => (await get('/readyz')).status === 200, 20_000, 200);
    // And it works again: a command runs.
    expect(await run('status hello')).toBe('succeeded');
  }, 120_000);

  it('a worker-only process serves /healthz, /readyz and /metrics on its own port, counting the jobs it runs', async () => {
    const env: NodeJS.ProcessEnv = {
      REDIS_URL: redis!.url,
      DOCKER_HOST: inject('dockerHost'),
      VOXOZ_CONFIG: join(voxoz!.dir, 'voxoz.yml'),
      VOXOZ_DATA_DIR: join(dir, 'worker-data'),
      VOXOZ_QUEUE: voxoz!.queueName,
      PORT: '0',
    };
    worker = await startVoxoz(readSettings(env), env, silentLogger, 'worker');
    const base = `http://127.0.0.1:${worker.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { ready: boolean; checks: Record<string, unknown> };
    expect(ready.ready).toBe(true);
    expect(Object.keys(ready.checks).sort()).toEqual(['docker', 'redis']);
    expect((await fetch(`${base}/local/commands`)).status).toBe(404);
    // Status jobs until the worker process took one (the bot's own workers take the rest).
    await waitUntil(
      'the worker process to run a job',
      async () => {
        await run('status hello');
        return (sample((await scrape(base)).lines, 'voxoz_jobs_total', { kind: 'status', outcome: 'succeeded' }) ?? 0) > 0;
      },
      60_000,
      0,
    );
  }, 120_000);
});
