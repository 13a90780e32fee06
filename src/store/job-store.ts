import type { ChainableCommander, Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import type { JobEvent } from '../jobs/job-event.ts';
import { JOB_FIELD as F, reservedField, STREAM_TTL_SECONDS } from './job-fields.ts';
import type { RedisKeys } from './keys.ts';

/** What the relay stored about a job it posts: enough for any process to resume it. */
export interface RelayRecord {
  data?: JobData;
  /** Everything was posted; the job needs no relay. */
  relayed: boolean;
  parent?: string;
  relayedTo?: string;
  uploaded: boolean;
  /** How many of the outcome's attachments were attached. */
  attached: number;
}

/** A relay checkpoint: only the fields that moved. */
export type RelayCheckpoint = Partial<{ parent: string; relayedTo: string; uploaded: true; attached: number }>;

/**
 * Queues the writes of `events` to a job's stream on `pipeline`: one XADD each, trimmed to
 * about `maxEntries` when given (the log writer's bound, which knows the job's log limit; a
 * single final event adds one entry and leaves the trim to it), and the stream's TTL renewed.
 */
export function addEvents(pipeline: ChainableCommander, keys: RedisKeys, jobId: string, events: JobEvent[], maxEntries?: number): void {
  const key = keys.events(jobId);
  for (const event of events) {
    if (maxEntries === undefined) pipeline.xadd(key, '*', 'e', JSON.stringify(event));
    else pipeline.xadd(key, 'MAXLEN', '~', String(maxEntries), '*', 'e', JSON.stringify(event));
  }
  pipeline.expire(key, STREAM_TTL_SECONDS);
}

export interface JobStore {
  /** The job as it was queued, or undefined when no record is left. */
  data(jobId: string): Promise<JobData | undefined>;
  /** Appends events to the job's stream (with its TTL); resolves once Redis has them. */
  append(jobId: string, ...events: JobEvent[]): Promise<void>;
  /** The relay's record of a job. */
  relayRecord(jobId: string): Promise<RelayRecord>;
  checkpoint(jobId: string, checkpoint: RelayCheckpoint): Promise<void>;
  /** Ids of jobs whose relay has not finished. */
  relayActive(): Promise<string[]>;
  /** Everything is posted: marked relayed, off the active set, lease dropped, record kept STREAM_TTL_SECONDS. */
  relayDone(jobId: string, relayedTo: string): Promise<void>;
  /** Stops relaying a job without marking it relayed (no record, or the platform kept failing). */
  dropRelay(jobId: string): Promise<void>;
  /** Records who a job waiting for its app lock waits behind; true only the first time (say it once). */
  firstWait(jobId: string, holder: string): Promise<boolean>;
  /** Records what the job waits behind (`waited`) and the line saying so; true when the line is new (post it). */
  noteWait(jobId: string, holder: string, note: string): Promise<boolean>;
  /** A value made once for all of a job's attempts: the first `make()` to be stored wins. */
  reserve(jobId: string, name: string, make: () => Promise<number>): Promise<number>;
}

/** The job record's owner over one Redis client (each module passes the client it trusts to fail the way it needs). */
export function createJobStore(redis: Redis, keys: RedisKeys): JobStore {
  return {
    async data(jobId) {
      const raw = await redis.hget(keys.job(jobId), F.data);
      return raw ? (JSON.parse(raw) as JobData) : undefined;
    },
    async append(jobId, ...events) {
      const pipeline = redis.pipeline();
      addEvents(pipeline, keys, jobId, events);
      await pipeline.exec();
    },
    async relayRecord(jobId) {
      const [data, relayed, parent, relayedTo, uploaded, attached] = await redis.hmget(
        keys.job(jobId),
        F.data,
        F.relayed,
        F.parent,
        F.relayedTo,
        F.uploaded,
        F.attached,
      );
      return {
        ...(data ? { data: JSON.parse(data) as JobData } : {}),
        relayed: relayed === '1',
        ...(parent ? { parent } : {}),
        ...(relayedTo ? { relayedTo } : {}),
        uploaded: uploaded === '1',
        attached: Number(attached ?? 0) || 0,
      };
    },
    async checkpoint(jobId, checkpoint) {
      const fields: Record<string, string> = {};
      if (checkpoint.parent !== undefined) fields[F.parent] = checkpoint.parent;
      if (checkpoint.relayedTo !== undefined) fields[F.relayedTo] = checkpoint.relayedTo;
      if (checkpoint.uploaded) fields[F.uploaded] = '1';
      if (checkpoint.attached !== undefined) fields[F.attached] = String(checkpoint.attached);
      if (Object.keys(fields).length > 0) await redis.hset(keys.job(jobId), fields);
    },
    relayActive: () => redis.smembers(keys.relayActive),
    async relayDone(jobId, relayedTo) {
      await redis
        .multi()
        .hset(keys.job(jobId), F.relayedTo, relayedTo, F.relayed, '1')
        .srem(keys.relayActive, jobId)
        .del(keys.relayLease(jobId))
        .expire(keys.job(jobId), STREAM_TTL_SECONDS)
        .exec();
    },
    async dropRelay(jobId) {
      await redis.srem(keys.relayActive, jobId);
    },
    async firstWait(jobId, holder) {
      return (await redis.hsetnx(keys.job(jobId), F.waited, holder)) === 1;
    },
    async noteWait(jobId, holder, note) {
      const [, previous] = (await redis.multi().hset(keys.job(jobId), F.waited, holder).hget(keys.job(jobId), F.waitNote).exec()) ?? [];
      if (previous?.[1] === note) return false;
      await redis.hset(keys.job(jobId), F.waitNote, note);
      return true;
    },
    async reserve(jobId, name, make) {
      const key = keys.job(jobId);
      const existing = await redis.hget(key, reservedField(name));
      if (existing !== null) return Number(existing);
      await redis.hsetnx(key, reservedField(name), String(await make()));
      return Number(await redis.hget(key, reservedField(name)));
    },
  };
}
