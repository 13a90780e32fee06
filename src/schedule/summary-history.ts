import type { Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import type { RedisKeys } from '../store/keys.ts';
import { type ApprovalChange, approvalsSince } from './approvals-since.ts';
import type { RestartCounts } from './restarts-since.ts';

/** A job that failed (not one that was cancelled), as a summary names it. */
export interface FailedJob {
  id: string;
  command: string;
  app?: string;
  env: string;
  by: string;
  /** ISO time it ended. */
  at: string;
}

/** Failed jobs one summary reads at most; past it the summary says "at least". @defaultValue 500 */
export const FAILED_READ_MAX = 500;

/** What a summary reads besides the stores every processor has: failed jobs by time, and where the last summary left off. */
export interface SummaryHistory {
  /** Jobs that failed at or after `sinceMs`, oldest first (BullMQ keeps them for 7 days). */
  failedSince(sinceMs: number): Promise<FailedJob[]>;
  /** Approvals decided at or after `sinceMs`, oldest first. */
  approvalsSince(sinceMs: number): Promise<ApprovalChange[]>;
  /** ISO time up to which schedule `name`'s last scheduled summary reported; undefined before its first. */
  mark(name: string): Promise<string | undefined>;
  /** The instances' restart counts when schedule `name`'s last scheduled summary ran; undefined before its first. */
  restartCounts(name: string): Promise<RestartCounts | undefined>;
  /** Moves the mark and stores the restart counts beside it, in one write. */
  setMark(name: string, at: string, restarts: RestartCounts): Promise<void>;
}

/** The marks hash's field for a schedule's restart counts; schedule names have no colon, so it is no schedule's mark. */
const restartsField = (name: string) => `restarts:${name}`;

/**
 * Reads BullMQ's failed set of the jobs queue (`queueName`), scored by when each job ended; a
 * job a worker ended as cancelled is there too, with failedReason "cancelled", and is left out, as
 * is a failed read-only job of one app (status, logs: the asker was answered).
 */
export function createSummaryHistory(
  redis: Redis,
  keys: RedisKeys,
  queueName = 'jobs',
  /** Whether a job kind only reads (its processor's `mutates` is false). @defaultValue none does */
  readOnly: (kind: string) => boolean = () => false,
): SummaryHistory {
  const bull = `${keys.bull}:${queueName}`;
  return {
    async failedSince(sinceMs) {
      const ids = await redis.zrangebyscore(`${bull}:failed`, sinceMs, '+inf', 'LIMIT', 0, FAILED_READ_MAX);
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hmget(`${bull}:${id}`, 'data', 'failedReason', 'finishedOn');
      const rows = ((await pipeline.exec()) ?? []).map(([, v]) => v as Array<string | null>);
      return rows.flatMap(([raw, reason, finishedOn]) => {
        if (!raw || reason === 'cancelled') return [];
        const data = JSON.parse(raw) as JobData;
        // A read of one app that failed (`logs hello --replica 7`) answered its asker; it says nothing about the app.
        if (data.app && readOnly(data.kind)) return [];
        const job: FailedJob = {
          id: data.id,
          command: data.command,
          env: data.env,
          by: data.requestedBy.name,
          at: new Date(Number(finishedOn)).toISOString(),
        };
        return [data.app ? { ...job, app: data.app } : job];
      });
    },
    approvalsSince: (sinceMs) => approvalsSince(redis, keys, sinceMs),
    mark: async (name) => (await redis.hget(keys.summaryMarks, name)) ?? undefined,
    async restartCounts(name) {
      const raw = await redis.hget(keys.summaryMarks, restartsField(name));
      return raw ? (JSON.parse(raw) as RestartCounts) : undefined;
    },
    async setMark(name, at, restarts) {
      await redis.hset(keys.summaryMarks, name, at, restartsField(name), JSON.stringify(restarts));
    },
  };
}
