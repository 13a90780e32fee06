import type { Redis } from 'ioredis';
import { LOG_LIMIT_DEFAULTS } from '../config/schema.ts';
import { OTHER_ENTRIES } from '../store/job-fields.ts';
import { addEvents } from '../store/job-store.ts';
import type { RedisKeys } from '../store/keys.ts';
import type { JobEvent, StreamEntry } from './job-event.ts';
import { createLogCap, type LogLimit } from './log-cap.ts';

/** Lines written per pipeline round trip. */
const BATCH = 200;

export interface JobStreamWriter {
  write(event: JobEvent): void;
  /** Resolves once everything written so far is in Redis (or, the `done` batch, handed to `end`). */
  flush(): Promise<void>;
}

/**
 * Appends events to a job's stream. Writes are queued and sent in pipelined batches, so a
 * 10,000-line build costs tens of round trips, not thousands; order is kept.
 * `mask` runs on every whole log line before it leaves the process (callers join output
 * chunks into lines first). `limit` bounds the log of this attempt (see createLogCap): past
 * it, lines are dropped and the truncation line and the tail are written before `done` (or at
 * `flush`). Every XADD also trims the stream to about lines + tailLines + OTHER_ENTRIES, so
 * even several attempts cannot grow it without bound (the writes themselves are the job
 * store's: addEvents). With `end`, the batch that holds the `done` event is handed to it instead
 * (the worker writes it with its "job over" bookkeeping, on the connection that completes the job
 * in BullMQ); the writer does not wait for it.
 */
export function createJobStreamWriter(
  redis: Redis,
  keys: RedisKeys,
  jobId: string,
  mask: (s: string) => string = (s) => s,
  limit: LogLimit = LOG_LIMIT_DEFAULTS,
  end?: (events: JobEvent[], maxEntries: number) => void,
): JobStreamWriter {
  const maxEntries = limit.lines + limit.tailLines + OTHER_ENTRIES;
  const cap = createLogCap(limit);
  const pending: JobEvent[] = [];
  let inflight: Promise<void> = Promise.resolve();
  const send = () => {
    const batch = pending.splice(0, pending.length);
    if (batch.length === 0) return inflight;
    inflight = inflight.then(async () => {
      for (let i = 0; i < batch.length; i += BATCH) {
        const part = batch.slice(i, i + BATCH);
        if (end && part.some((e) => e.type === 'done')) {
          end(part, maxEntries);
          continue;
        }
        const pipeline = redis.pipeline();
        addEvents(pipeline, keys, jobId, part, maxEntries);
        await pipeline.exec();
      }
    });
    return inflight;
  };
  /** The send queued for the end of this turn, if any (flush sends at once and drops it). */
  let scheduled: NodeJS.Immediate | undefined;
  return {
    write(event) {
      if (event.type === 'log') {
        const kept = cap.admit({ ...event, line: mask(event.line) });
        if (!kept) return;
        pending.push(kept);
      } else if (event.type === 'done') {
        pending.push(...cap.drain(event.at), { ...event, result: maskResult(event.result, mask) });
      } else {
        pending.push(event);
      }
      if (pending.length >= BATCH) void send();
      else if (!scheduled)
        scheduled = setImmediate(() => {
          scheduled = undefined;
          void send();
        });
    },
    async flush() {
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
      pending.push(...cap.drain(new Date().toISOString()));
      await send();
      await inflight;
    },
  };
}

function maskResult(
  result: Extract<JobEvent, { type: 'done' }>['result'],
  mask: (s: string) => string,
): Extract<JobEvent, { type: 'done' }>['result'] {
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
export async function readJobStream(
  redis: Redis,
  keys: RedisKeys,
  jobId: string,
  afterId: string,
  blockMs: number,
  count = 1000,
): Promise<StreamEntry[]> {
  const result = (await redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', keys.events(jobId), afterId)) as Array<
    [string, Array<[string, string[]]>]
  > | null;
  return result?.[0] ? parseEntries(result[0][1]) : [];
}

/** Entries per XRANGE page when a whole stream is read. */
const PAGE = 1000;

/**
 * A job's stream, oldest first, one page of entries at a time, so a long log is never held in
 * memory whole (the full-log upload and a relay takeover read it this way).
 */
export async function* jobStreamPages(redis: Redis, keys: RedisKeys, jobId: string): AsyncGenerator<StreamEntry[]> {
  let start = '-';
  for (;;) {
    const raw = (await redis.xrange(keys.events(jobId), start, '+', 'COUNT', PAGE)) as Array<[string, string[]]>;
    if (raw.length > 0) yield parseEntries(raw);
    if (raw.length < PAGE) return;
    start = `(${raw[raw.length - 1]![0]}`;
  }
}

/** Every entry of a job's stream, oldest first (for tests and short streams; use jobStreamPages for logs). */
export async function readWholeJobStream(redis: Redis, keys: RedisKeys, jobId: string): Promise<StreamEntry[]> {
  const out: StreamEntry[] = [];
  for await (const page of jobStreamPages(redis, keys, jobId)) out.push(...page);
  return out;
}
