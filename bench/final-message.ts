import { Redis } from 'ioredis';
import type { JobData } from '../src/core/types.ts';
import { createJobStreamWriter } from '../src/jobs/job-stream.ts';
import type { Logger } from '../src/observability/logger.ts';
import type { ChatSurface } from '../src/relay/chat-surface.ts';
import { startRelay } from '../src/relay/relay.ts';
import type { RedisKeys } from '../src/store/keys.ts';

export interface FinalMessageOptions {
  redisUrl: string;
  keys: RedisKeys;
  surface: ChatSurface;
  channel: string;
  /** The parent's text as the platform shows it now (e.g. from a simulator), or undefined before it is posted. */
  shown: () => string | undefined;
  log: Logger;
  jobId: string;
  /** How long the job runs between its first shown edit and its end. @defaultValue 200 */
  runMs?: number;
}

export interface FinalMessage {
  /** From the `done` event reaching Redis to the parent showing the outcome, in ms. */
  endToShownMs: number;
  /** From the job's `started` event to the parent showing the outcome (what a user waits for a short deploy). */
  startToShownMs: number;
}

const TITLE = 'hello v7 live (3/3 healthy)';

/**
 * Plays a short deploy into a job stream (as a worker would) and runs the real relay over
 * `surface`: the job starts, its parent is posted and edited once, a few log lines arrive, then
 * the job ends. Measures how long the outcome takes to show in the parent. Shared by the
 * final-message test and the deploy benchmark.
 */
export async function finalMessageLatency(opts: FinalMessageOptions): Promise<FinalMessage> {
  const redis = new Redis(opts.redisUrl);
  const at = () => new Date().toISOString();
  const job: JobData = {
    id: opts.jobId,
    kind: 'deploy',
    command: 'deploy hello',
    app: 'hello',
    env: 'production',
    args: { app: 'hello' },
    requestedBy: { id: 'slack:T0SIM0001/U0ALICE', name: 'alice' },
    thread: { platform: opts.surface.platform, conversation: opts.channel },
    requestedAt: at(),
  };
  const relay = startRelay({ redisUrl: opts.redisUrl, keys: opts.keys, surfaces: [opts.surface], log: opts.log });
  const waitShown = async (what: string, test: (text: string) => boolean) => {
    const deadline = Date.now() + 60_000;
    while (!test(opts.shown() ?? '')) {
      if (Date.now() > deadline) throw new Error(`timed out after 60 s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  try {
    await redis.hset(opts.keys.job(job.id), 'data', JSON.stringify(job));
    await redis.sadd(opts.keys.relayActive, job.id);
    const w = createJobStreamWriter(redis, opts.keys, job.id);
    w.write({ type: 'queued', at: at() });
    const started = Date.now();
    w.write({ type: 'started', at: at(), attempt: 1, worker: 'bench' });
    w.write({ type: 'step', at: at(), step: 'deploy', state: 'running' });
    await w.flush();
    await waitShown('the parent message', (t) => t.length > 0);
    for (let i = 0; i < 5; i++) w.write({ type: 'log', at: at(), line: `replica ${i % 3} healthy` });
    await w.flush();
    await new Promise((r) => setTimeout(r, opts.runMs ?? 200));
    w.write({ type: 'step', at: at(), step: 'deploy', state: 'done' });
    w.write({ type: 'done', at: at(), outcome: 'succeeded', result: { title: TITLE, fields: [{ label: 'release', value: 'v7' }] } });
    await w.flush();
    const ended = Date.now();
    await waitShown('the final edit', (t) => t.includes(TITLE));
    const shown = Date.now();
    return { endToShownMs: shown - ended, startToShownMs: shown - started };
  } finally {
    await relay.close();
    redis.disconnect();
  }
}
