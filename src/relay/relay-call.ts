import type { Redis } from 'ioredis';
import type { JobData, ThreadRef } from '../core/types.ts';
import type { Logger } from '../observability/logger.ts';
import { STREAM_TTL_SECONDS } from '../store/job-fields.ts';
import { readJobFile } from '../store/job-files.ts';
import type { JobStore } from '../store/job-store.ts';
import type { RedisKeys } from '../store/keys.ts';
import type { ChatSurface } from './chat-surface.ts';
import { jobLogFile } from './job-log-file.ts';
import { initialView, isFinished, renderParent, type JobView } from './job-view.ts';
import { formatLogBatch } from './log-batch.ts';
import { ORIGIN_WAIT_MS, withOriginParent } from './origin-parent.ts';

/** One job the relay posts: what it read of the job's stream and how far its thread is posted. */
export interface Tail {
  job: JobData;
  surface: ChatSurface;
  view: JobView;
  parent?: string;
  readId: string;
  pending: Array<{ id: string; line: string }>;
  dirty: boolean;
  /** The pacing (a final edit the surface has headroom for may go before it) and a 429's retry-after (nothing may). */
  nextCallAt: number;
  retryAt: number;
  failures: number;
  uploaded: boolean;
  /** How many of the outcome's attachments are attached. */
  attached: number;
  lastWasLog: boolean;
  /** When this relay took the job (ms): how long its first post has waited for the thread it continues (origin-parent.ts). */
  adoptedAt: number;
}

export interface RelayCallDeps {
  redis: Redis;
  keys: RedisKeys;
  store: JobStore;
  log: Logger;
}

/**
 * The platform call a job's thread needs next: `run` it (`posts` when it posts a new message,
 * which the channel's shared pace counts); `wait` (nothing to post now); `done` (everything is
 * posted: the surface was told the job finished and the relay record is closed).
 */
export type RelayCall = { run: () => Promise<void>; posts: boolean } | 'wait' | 'done';

/**
 * In order: the parent (once the thread it continues has its own, or it waited long enough);
 * log batches and parent edits taking turns; at the end the final edit (`finalEdit`: it may go
 * now), then the log's tail, the whole log as a file, the outcome's attachments, the finish.
 */
export async function nextCall(tail: Tail, deps: RelayCallDeps, now: number, finalEdit: boolean): Promise<RelayCall> {
  const { redis, keys, store, log } = deps;
  const finished = isFinished(tail.view);
  const thread = (): ThreadRef & { parent: string } => ({ ...tail.job.thread, parent: tail.parent! });
  const checkpoint = (fields: Parameters<JobStore['checkpoint']>[1]) => store.checkpoint(tail.job.id, fields);
  if (!tail.parent) {
    const origin = await withOriginParent(store, tail.job.thread);
    if (!origin.ready && now < tail.adoptedAt + ORIGIN_WAIT_MS) return 'wait';
    tail.job = { ...tail.job, thread: origin.thread };
    // The first post shows the job as queued, which it was; the next call brings it up to date.
    const first = initialView(tail.job);
    return {
      posts: true,
      run: async () => {
        tail.parent = await tail.surface.postParent(tail.job.thread, renderParent(first));
        tail.dirty = true;
        await checkpoint({ parent: tail.parent });
      },
    };
  }
  if (tail.pending.length > 0 && !finalEdit && (finished || !tail.dirty || !tail.lastWasLog)) {
    const batch = tail.pending.slice();
    return {
      posts: true,
      run: async () => {
        const lines = batch.map((b) => b.line);
        await tail.surface.postLog(thread(), formatLogBatch(lines, tail.surface.limits.maxBatchChars));
        tail.pending = tail.pending.slice(batch.length);
        tail.lastWasLog = true;
        await checkpoint({ relayedTo: batch[batch.length - 1]!.id });
      },
    };
  }
  if (tail.dirty)
    return {
      posts: false,
      run: async () => {
        await tail.surface.updateParent(thread(), renderParent(tail.view));
        tail.dirty = false;
        tail.lastWasLog = false;
      },
    };
  if (finished && !tail.uploaded && tail.view.lines > 0)
    return {
      posts: false,
      run: async () => {
        const file = await jobLogFile(redis, keys, tail.job.id, `${tail.job.kind}-${tail.job.app ?? 'all'}-${tail.job.id}.log`);
        await tail.surface.uploadLog(thread(), file);
        tail.uploaded = true;
        await checkpoint({ uploaded: true });
      },
    };
  if (finished && tail.surface.attach && tail.attached < (tail.view.result?.attachments?.length ?? 0)) {
    const { name, contentType } = tail.view.result!.attachments![tail.attached]!;
    return {
      posts: false,
      run: async () => {
        const data = await readJobFile(redis, keys, tail.job.id, name);
        // Expired (the relay was away for days): said in the thread instead of the file.
        if (data) await tail.surface.attach!(thread(), { name, contentType, data });
        else await tail.surface.postLog(thread(), `${name} is no longer available (kept ${Math.round(STREAM_TTL_SECONDS / 86_400)} days)`);
        tail.attached += 1;
        await checkpoint({ attached: tail.attached });
      },
    };
  }
  if (finished) {
    await tail.surface
      .finish?.(thread(), tail.view.phase)
      .catch((err: unknown) => log.warn('relay finish failed', { jobId: tail.job.id, err }));
    await store.relayDone(tail.job.id, tail.readId);
    return 'done';
  }
  if (tail.readId !== '0') await checkpoint({ relayedTo: tail.readId });
  return 'wait';
}
