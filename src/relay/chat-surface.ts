import type { Readable } from 'node:stream';
import type { Reply, ThreadRef } from '../core/types.ts';
import type { ChannelPace } from './channel-pace.ts';

/**
 * A job's whole log, to attach at the end. It is streamed from Redis, never held whole by
 * the relay: a surface reads `open()` (Slack's client takes the stream, Discord and the local
 * chat keep what they need with `readLogTail`).
 */
/** A small file a job produced (a chart), attached whole in its thread. */
export interface AttachedFile {
  name: string;
  contentType: string;
  data: Buffer;
}

export interface LogFile {
  name: string;
  /** Size in bytes (UTF-8) and in lines, known before reading. */
  bytes: number;
  lines: number;
  /** A fresh stream of the file's bytes on each call. */
  open(): Readable;
}

/** How fast the relay may talk to one platform. */
export interface RelayLimits {
  /**
   * Least time between two calls for one job (parent edit or thread batch), given how many
   * jobs are being relayed at once; a platform with a shared budget widens it as jobs grow.
   */
  intervalMs(activeJobs: number): number;
  /** Most characters in one thread batch; a longer backlog is cut to its tail with a "skipped" line. */
  maxBatchChars: number;
  /**
   * The platform's budget left over by the pacing, which a job's final parent edit may use to
   * skip its interval so the outcome shows at once: at most `calls` such edits per `perMs` on
   * this surface; past that the final edit waits for its interval like any call. A 429's
   * retry-after always applies. @defaultValue undefined: no platform limit, final edits never wait
   */
  finalHeadroom?: { calls: number; perMs: number };
  /**
   * How fast new messages (parents and thread batches) may go to one channel, counted across
   * every bot process through Redis, so several bots behind one app pace together instead of
   * each spending the whole budget. @defaultValue undefined: no per-channel limit
   */
  channelPace?: ChannelPace;
}

/** Thrown by a surface when the platform said 429; the relay waits `retryAfterMs` for that job. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limited; retry after ${retryAfterMs} ms`);
    this.name = 'RateLimitedError';
  }
}

/**
 * What the relay needs from a chat platform; each adapter implements it with its own
 * client and renderer. All calls are about one job's thread.
 */
export interface ChatSurface {
  readonly platform: string;
  readonly limits: RelayLimits;
  /** Posts the job's parent message; returns its id (stored, so a takeover edits the same one). */
  postParent(thread: ThreadRef, reply: Reply): Promise<string>;
  updateParent(thread: ThreadRef & { parent: string }, reply: Reply): Promise<void>;
  /** Posts one batch of log lines as a reply in the parent's thread. */
  postLog(thread: ThreadRef & { parent: string }, lines: string): Promise<void>;
  /** Attaches the whole log to the thread as a file. */
  uploadLog(thread: ThreadRef & { parent: string }, file: LogFile): Promise<void>;
  /** Attaches a file the job produced (an image is shown as one) in the job's thread, after its outcome and log. */
  attach?(thread: ThreadRef & { parent: string }, file: AttachedFile): Promise<void>;
  /** Called once when everything about the job has been relayed (e.g. to close a thread or drop buttons). */
  finish?(thread: ThreadRef & { parent: string }, outcome: string): Promise<void>;
}
