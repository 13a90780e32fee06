import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/keys.ts';
import type { JobEvent, StreamEntry } from './job-event.ts';

/** How long a finished job's stream is kept, in seconds. @defaultValue 7 days */
export const STREAM_TTL_SECONDS = 7 * 24 * 3600;
/** Lines written per pipeline round trip. */
const BATCH = 200;

export interface JobStreamWriter {
  write(event: JobEvent): void;
  /** Resolves once everything written so far is in Redis. */
  flush(): Promise<void>;
}

/**
 * Appends events to a job's stream. Writes are queued and sent in pipelined batches, so a
 * 10,000-line build costs tens of round trips, not thousands; order is kept.
 * `mask` runs on every log line before it leaves the process.
 */
export function createJobStreamWriter(redis: Redis, keys: RedisKeys, jobId: string, mask: (s: string) => string = (s) => s): JobStreamWriter {
  const key = keys.events(jobId);
  let pending: JobEvent[] = [];
  let inflight: Promise<void> = Promise.resolve();
  const send = () => {
    const batch = pending.splice(0, pending.length);
    if (batch.length === 0) return inflight;
    inflight = inflight.then(async () => {
      for (let i = 0; i < batch.length; i += BATCH) {
        const pipeline = redis.pipeline();
        for (const event of batch.slice(i, i + BATCH)) pipeline.xadd(key, '*', 'e', JSON.stringify(event));
        pipeline.expire(key, STREAM_TTL_SECONDS);
        await pipeline.exec();
      }
    });
    return inflight;
  };
  let scheduled = false;
  return {
    write(event) {
      pending.push(event.type === 'log' ? { ...event, line: mask(event.line) } : event.type === 'done' ? { ...event, result: maskResult(event.result, mask) } : event);
      if (pending.length >= BATCH) void send();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => { scheduled = false; void send(); });
      }
    },
    async flush() {
      await send();
      await inflight;
    },
  };
}

function maskResult(result: Extract<JobEvent, { type: 'done' }>['result'], mask: (s: string) => string): Extract<JobEvent, { type: 'done' }>['result'] {
  return {
    ...result,
    title: mask(result.title),
    ...(result.text !== undefined ? { text: mask(result.text) } : {}),
    ...(result.fields ? { fields: result.fields.map((f) => ({ label: f.label, value: mask(f.value) })) } : {}),
    ...(result.code ? { code: result.code.map(mask) } : {}),
  };
}

function parseEntries(raw: Array<[string, string[]]>): StreamEntry[] {
  return raw.map(([id, fields]) => ({ id, event: JSON.parse(fields[1] ?? '{}') as JobEvent }));
}

/** Reads entries after `afterId` (exclusive), waiting up to `blockMs` for new ones. */
export async function readJobStream(redis: Redis, keys: RedisKeys, jobId: string, afterId: string, blockMs: number, count = 1000): Promise<StreamEntry[]> {
  const result = (await redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', keys.events(jobId), afterId)) as Array<[string, Array<[string, string[]]>]> | null;
  return result?.[0] ? parseEntries(result[0][1]) : [];
}

/** Every entry of a job's stream, oldest first (for the full log at the end). */
export async function readWholeJobStream(redis: Redis, keys: RedisKeys, jobId: string): Promise<StreamEntry[]> {
  const out: StreamEntry[] = [];
  let start = '-';
  for (;;) {
    const raw = (await redis.xrange(keys.events(jobId), start, '+', 'COUNT', 5000)) as Array<[string, string[]]>;
    out.push(...parseEntries(raw));
    if (raw.length < 5000) return out;
    start = `(${raw[raw.length - 1]![0]}`;
  }
}
