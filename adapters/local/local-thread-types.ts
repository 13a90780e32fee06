import type { Reply } from '../../src/core/types.ts';

export interface LocalMessage {
  id: string;
  kind: 'command' | 'answer' | 'parent' | 'log' | 'file';
  author: string;
  text: string;
  reply?: Reply;
  /** An attached log: `bytes` is the whole log's size, `content` its last LOCAL_LIMITS.fileBytes. */
  file?: {
    name: string;
    bytes: number;
    content: string;
    /** A file a job produced (a chart): `content` is base64 of the whole file, shown by the page when it is an image. */
    contentType?: string;
    encoding?: 'base64';
  };
  edits: number;
  at: string;
}

export interface LocalThread {
  id: string;
  /** The local channel the thread is in: `local` for typed commands, or a configured one (chat.systemChannel.local). */
  conversation: string;
  messages: LocalMessage[];
  /** `open` until every job posted in it (or the answer) is complete; a new job posted into it opens it again. */
  state: 'open' | 'done';
  outcome?: string;
  /** Log batches dropped past LOCAL_LIMITS.messages. */
  dropped?: number;
  /** Version: the `seq` of the last event written to the thread (events at or below it are in this snapshot). */
  seq: number;
}

export type LocalChatEvent =
  | { type: 'message'; thread: string; seq: number; message: LocalMessage }
  | { type: 'edit'; thread: string; seq: number; message: LocalMessage }
  | { type: 'end'; thread: string; seq: number; outcome: string };

/** A thread as a channel lists it. */
export interface LocalThreadSummary {
  id: string;
  state: LocalThread['state'];
  outcome?: string;
  /** The parent's (or the command's) current text. */
  title: string;
}

/** Bounds of the local chat in Redis. */
export const LOCAL_LIMITS = {
  /** Threads kept per channel; opening one more deletes the oldest. @defaultValue 500 */
  threadsPerChannel: 500,
  /** Log batches kept per thread; later ones are dropped and counted. @defaultValue 2000 */
  messages: 2000,
  /** Bytes of an attached log kept (its tail). @defaultValue 1 MiB */
  fileBytes: 1024 * 1024,
  /** How long a thread is kept after its last write, in seconds. @defaultValue 7 days */
  ttlSeconds: 7 * 24 * 3600,
};

/** Builds a thread from its hash (HGETALL), or undefined when it is gone. */
export function parseThread(id: string, hash: Record<string, string>): LocalThread | undefined {
  if (!hash.state) return undefined;
  const messages: Array<[number, LocalMessage]> = [];
  for (const [field, value] of Object.entries(hash))
    if (field.startsWith('m:')) messages.push([Number(field.slice(2)), JSON.parse(value) as LocalMessage]);
  messages.sort((a, b) => a[0] - b[0]);
  return {
    id,
    conversation: hash.conversation ?? 'local',
    messages: messages.map(([, m]) => m),
    state: hash.state === 'done' ? 'done' : 'open',
    ...(hash.outcome !== undefined ? { outcome: hash.outcome } : {}),
    ...(hash.dropped ? { dropped: Number(hash.dropped) } : {}),
    seq: Number(hash.seq ?? 0),
  };
}
