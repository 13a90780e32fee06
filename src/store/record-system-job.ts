import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { LoadedConfig } from '../config/load-config.ts';
import type { ChatUser, JobData, ThreadRef } from '../core/types.ts';
import { UserError } from '../core/user-error.ts';
import { enqueueJob } from '../jobs/enqueue-job.ts';
import { createSettler } from '../jobs/settle-writes.ts';
import type { Logger } from '../observability/logger.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { createJobStore } from './job-store.ts';
import type { RedisKeys } from './keys.ts';

/** `meta` key of a system job's thread: the job whose parent it replies to, once that is posted (relay/origin-parent.ts). */
export const REPLY_TO_JOB = 'replyToJob';

/** A job voxoz itself starts: no chat command is behind it. */
export interface SystemJobRequest {
  kind: string;
  /** Why it runs; the requester is `system:<why>` (e.g. `burst-expiry`, `schedule`). Letters, digits, dashes. */
  why: string;
  /** What the parent message names, e.g. `scale hello 2`. */
  command: string;
  app?: string;
  /** @defaultValue "production" */
  env?: string;
  args?: JobData['args'];
  /** The originating thread (a burst's own): the job is posted there, under a parent of its own. */
  thread?: ThreadRef;
  /**
   * The job whose thread `thread` is (the burst itself). A thread with no parent yet (a slash
   * command's: its parent is the message the relay posts) is found through it: the relay replies
   * to that job's parent once it is posted (relay/origin-parent.ts).
   */
  origin?: string;
  /** Without a thread: which `chat.systemChannel` platform to post to. @defaultValue the first one listed */
  platform?: string;
  /** A stable id makes recording idempotent (a retried burst records its scale-back once). @defaultValue a random UUID */
  id?: string;
  /** Hold the job this long before a worker may take it. @defaultValue 0 */
  delayMs?: number;
  /** A person's job that waited for an approval: queued as theirs (not `system:<why>`), with who approved it. */
  as?: { requestedBy: ChatUser; approvedBy: ChatUser };
}

export interface SystemJobDeps {
  redis: Redis;
  queue: Queue<JobData>;
  /** The queue of each job (jobs/job-route.ts), when there are several: its name and handle. @defaultValue `queue` for every job */
  route?: (data: JobData) => { name: string; queue: Queue<JobData> };
  keys: RedisKeys;
  config: () => LoadedConfig;
  log?: Logger;
  /** Longest the recording waits for Redis before it fails (nothing was queued then). @defaultValue 5000 */
  timeoutMs?: number;
  /** Stamps `requestedAt`. @defaultValue systemClock */
  now?: Clock;
}

/** System jobs are not capped like a person's (their callers bound them). */
const SYSTEM_CAP = 100_000;
const WHY = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * Where a system job is posted: the originating thread (without its parent, so the job posts a
 * parent of its own; without delivery-bound credentials such as an interaction token, which
 * belong to the command that started that thread), else the configured channel. The old parent
 * becomes `meta.replyTo`: platforms whose threads hang off a message (Slack) post the new parent
 * as a reply to it; the local chat finds the thread by `meta.thread`.
 */
export function systemThread(config: LoadedConfig, req: Pick<SystemJobRequest, 'thread' | 'platform' | 'origin'>): ThreadRef {
  if (req.thread) {
    const { interaction: _interaction, token: _token, ...kept } = req.thread.meta ?? {};
    const replyTo = kept.replyTo ?? req.thread.parent;
    const meta = { ...kept, ...(replyTo ? { replyTo } : req.origin ? { [REPLY_TO_JOB]: req.origin } : {}) };
    return { platform: req.thread.platform, conversation: req.thread.conversation, ...(Object.keys(meta).length ? { meta } : {}) };
  }
  const channels = Object.entries(config.chat.systemChannel).filter((e): e is [string, string] => typeof e[1] === 'string');
  const chosen = req.platform ? channels.find(([p]) => p === req.platform) : channels[0];
  if (!chosen)
    throw new UserError(
      'no_system_channel',
      `chat.systemChannel names no ${req.platform ?? ''} channel for jobs voxoz starts itself; add one`,
    );
  return { platform: chosen[0], conversation: chosen[1] };
}

/**
 * Records and queues a job on behalf of the system through the same path as a command
 * (reserve → queue → confirm), so the relay posts it like any other job. Resolves with the job
 * as queued; rejects (a UserError) when it was not queued.
 */
export function createSystemJobs(deps: SystemJobDeps) {
  const settler = createSettler(undefined, deps.log);
  return {
    async record(req: SystemJobRequest): Promise<JobData> {
      if (!WHY.test(req.why)) throw new Error(`system job reason "${req.why}" must be lowercase letters, digits and dashes`);
      const config = deps.config();
      const now = (deps.now ?? systemClock)();
      const data: JobData = {
        id: req.id ?? randomUUID(),
        kind: req.kind,
        command: req.command,
        ...(req.app ? { app: req.app } : {}),
        env: req.env ?? 'production',
        args: req.args ?? {},
        requestedBy: req.as?.requestedBy ?? { id: `system:${req.why}`, name: `voxoz (${req.why})` },
        ...(req.as ? { approvedBy: req.as.approvedBy } : {}),
        thread: systemThread(config, req),
        requestedAt: now.toISOString(),
        ...(req.delayMs ? { runAt: new Date(now.getTime() + req.delayMs).toISOString() } : {}),
      };
      const routed = deps.route?.(data);
      if (routed && routed.name !== deps.queue.name) data.queue = routed.name;
      await enqueueJob(
        {
          redis: deps.redis,
          queue: routed?.queue ?? deps.queue,
          keys: deps.keys,
          attempts: config.worker.attempts,
          timeoutMs: deps.timeoutMs ?? 5000,
          maxQueuedPerUser: SYSTEM_CAP,
          ready: async () => undefined,
          ...(deps.now ? { now: deps.now } : {}),
          settle: settler.settle,
        },
        data,
        { delayMs: req.delayMs },
      );
      return data;
    },
    /**
     * Lets a job recorded with `delayMs` run now instead of at its time (BullMQ's promote; a
     * burst ended early by `scale` ends its scale-back so). `like` is a job routed as it was (same
     * kind, app and env). `why` goes to its thread as a log line (its parent then no longer says
     * "scheduled for"). True when it was waiting for its time; false when it was not (it runs or
     * ran already, or is gone).
     */
    async runNow(id: string, like: JobData, why: string): Promise<boolean> {
      const job = await (deps.route?.(like).queue ?? deps.queue).getJob(id);
      if (!job || !(await job.isDelayed())) return false;
      try {
        await job.promote();
      } catch (err) {
        // It left the delayed set meanwhile (its time came): it runs anyway.
        if (await job.isDelayed()) throw err;
        return false;
      }
      const at = (deps.now ?? systemClock)().toISOString();
      await createJobStore(deps.redis, deps.keys).append(id, { type: 'log', at, line: `runs now: ${why}` });
      return true;
    },
    close: () => settler.close(1000),
  };
}

export type SystemJobs = ReturnType<typeof createSystemJobs>;
/** What approvals and schedules use: recording only. */
export type SystemJobRecorder = Pick<SystemJobs, 'record'>;
/** What a processor may use: recording, and letting a recorded delayed job run now. */
export type SystemJobControl = Pick<SystemJobs, 'record' | 'runNow'>;
