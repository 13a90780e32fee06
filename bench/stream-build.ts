import { Redis } from 'ioredis';
import type { ChatUser, JobData, ThreadRef } from '../src/core/types.ts';
import { createJobStreamWriter } from '../src/jobs/job-stream.ts';
import type { Logger } from '../src/observability/logger.ts';
import type { ChatSurface } from '../src/relay/chat-surface.ts';
import { startRelay } from '../src/relay/relay.ts';
import type { RedisKeys } from '../src/store/keys.ts';

export interface StreamedBuild {
  jobId: string;
  /** Build time: first event to the `done` event, in ms. */
  buildMs: number;
  /** Until the relay had posted everything, file included. */
  relayedMs: number;
}

export interface StreamBuildOptions {
  redisUrl: string;
  keys: RedisKeys;
  surface: ChatSurface;
  /** Where the job's parent goes (platform data such as an interaction token in `meta`). */
  thread: Omit<ThreadRef, 'platform'>;
  requestedBy: ChatUser;
  lines: number;
  buildMs: number;
  /** The text of log line i (0-based). */
  line: (i: number) => string;
  log: Logger;
  jobId?: string;
}

/**
 * Plays a fake build of `lines` log lines over `buildMs` into a job stream (as a worker would,
 * through createJobStreamWriter) and runs the real relay over `surface` until the job is fully
 * relayed. Shared by the 10k-line tests and the Slack and Discord benchmarks.
 */
export async function streamBuild(opts: StreamBuildOptions): Promise<StreamedBuild> {
  const redis = new Redis(opts.redisUrl);
  const id = opts.jobId ?? `build-${Date.now()}`;
  const at = () => new Date().toISOString();
  const job: JobData = {
    id,
    kind: 'deploy',
    command: 'deploy big',
    app: 'big',
    env: 'production',
    args: { app: 'big' },
    requestedBy: opts.requestedBy,
    thread: { platform: opts.surface.platform, ...opts.thread },
    requestedAt: at(),
  };
  const relay = startRelay({ redisUrl: opts.redisUrl, keys: opts.keys, surfaces: [opts.surface], log: opts.log });
  try {
    const started = Date.now();
    await redis.hset(opts.keys.job(id), 'data', JSON.stringify(job));
    await redis.sadd(opts.keys.relayActive, id);
    const w = createJobStreamWriter(redis, opts.keys, id);
    w.write({ type: 'queued', at: at() });
    w.write({ type: 'started', at: at(), attempt: 1, worker: 'bench' });
    w.write({ type: 'step', at: at(), step: 'build', state: 'running' });
    const slices = Math.max(1, Math.round(opts.buildMs / 100));
    for (let s = 0; s < slices; s++) {
      const from = Math.floor((s * opts.lines) / slices);
      const to = Math.floor(((s + 1) * opts.lines) / slices);
      for (let i = from; i < to; i++) w.write({ type: 'log', at: at(), line: opts.line(i) });
      await w.flush();
      const due = started + ((s + 1) * opts.buildMs) / slices;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
    w.write({ type: 'step', at: at(), step: 'build', state: 'done' });
    w.write({
      type: 'done',
      at: at(),
      outcome: 'succeeded',
      result: { title: 'big v1 live (1/1 healthy)', fields: [{ label: 'release', value: 'v1' }] },
    });
    await w.flush();
    const buildMs = Date.now() - started;
    const deadline = Date.now() + 120_000;
    while ((await redis.hget(opts.keys.job(id), 'relayed')) !== '1') {
      if (Date.now() > deadline) throw new Error('the relay did not finish within 120 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    return { jobId: id, buildMs, relayedMs: Date.now() - started };
  } finally {
    await relay.close();
    redis.disconnect();
  }
}
