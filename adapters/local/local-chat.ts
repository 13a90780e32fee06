import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Reply, ThreadRef } from '../../src/core/types.ts';
import type { AttachedFile, ChatSurface, LogFile } from '../../src/relay/chat-surface.ts';
import { readLogTail } from '../../src/relay/read-log-tail.ts';
import type { RedisKeys } from '../../src/store/keys.ts';
import { renderText } from './render-text.ts';
import { ADD, EDIT, END, OPEN } from './local-thread-scripts.ts';
import {
  LOCAL_LIMITS,
  parseThread,
  type LocalChatEvent,
  type LocalMessage,
  type LocalThread,
  type LocalThreadSummary,
} from './local-thread-types.ts';

export type { LocalChatEvent, LocalMessage, LocalThread } from './local-thread-types.ts';

export interface LocalChatDeps {
  /** Commands (never put into subscriber mode). */
  redis: Redis;
  /** A connection of its own for the events channel (pub/sub takes the whole connection). */
  subscriber: Redis;
  /** The queue's keys: threads live under its prefix, so voxoz processes on one queue share them. */
  keys: RedisKeys;
}

/** A fresh thread id. */
export const newThreadId = () => `t-${randomUUID().slice(0, 12)}`;

/** The channel typed commands open their threads in. */
export const COMMAND_CHANNEL = 'local';

/**
 * The embedded chat platform: threads of messages, a parent message edited in place, replies in
 * the thread, files attached. Threads live in Redis (bounded by LOCAL_LIMITS, with a TTL), so a
 * restart, a second bot process or a second browser tab sees the same ones; every write is
 * published, and each process re-emits the events as `event` for its live views (SSE). It behaves
 * like Slack or Discord as far as the relay can tell, so the same relay code serves all three.
 * A job with no thread of its own (a system job in a configured channel) gets a new thread, and
 * its parent id is `<thread>/<message>`.
 */
export class LocalChat extends EventEmitter implements ChatSurface {
  readonly platform = 'local';
  readonly limits = { intervalMs: () => 100, maxBatchChars: 8000 };
  private readonly onMessage = (_channel: string, raw: string) => {
    try {
      this.emit('event', JSON.parse(raw) as LocalChatEvent);
    } catch {
      // not one of ours
    }
  };

  constructor(private readonly deps: LocalChatDeps) {
    super();
    this.setMaxListeners(1000);
  }

  /** Starts hearing every process's thread events. */
  async start(): Promise<void> {
    this.deps.subscriber.on('message', this.onMessage);
    await this.deps.subscriber.subscribe(this.deps.keys.localEvents);
  }

  async stop(): Promise<void> {
    this.deps.subscriber.off('message', this.onMessage);
    await this.deps.subscriber.unsubscribe(this.deps.keys.localEvents).catch(() => undefined);
  }

  /**
   * Opens a thread in `conversation`; with `author`, its first message is their command. The id
   * may be chosen first (newThreadId), so a command can be dispatched while its thread is written.
   */
  async openThread(author: string | undefined, text: string, conversation = COMMAND_CHANNEL, id = newThreadId()): Promise<LocalThread> {
    const { redis, keys } = this.deps;
    // Both writes are sent before either is awaited, so they reach Redis in this order ahead of any
    // later write to the thread (an answer sent while the command is still being dispatched).
    const open = redis.eval(
      OPEN,
      2,
      keys.localThread(id),
      keys.localChannel(conversation),
      id,
      conversation,
      Date.now(),
      LOCAL_LIMITS.ttlSeconds,
      LOCAL_LIMITS.threadsPerChannel,
      keys.localThreadPrefix,
    );
    const first = author !== undefined ? this.add(id, { kind: 'command', author, text }) : undefined;
    // Both awaited together: when Redis is down, the second's failure is not left unhandled.
    await Promise.all([open, first]);
    return (await this.thread(id))!;
  }

  async thread(id: string): Promise<LocalThread | undefined> {
    return parseThread(id, await this.deps.redis.hgetall(this.deps.keys.localThread(id)));
  }

  /** A channel's threads, newest first. */
  async threadsIn(conversation: string, limit = 50): Promise<LocalThreadSummary[]> {
    const ids = await this.deps.redis.zrevrange(this.deps.keys.localChannel(conversation), 0, limit - 1);
    const out: LocalThreadSummary[] = [];
    for (const id of ids) {
      const thread = await this.thread(id);
      if (!thread) continue;
      // The newest parent: a job approved in its request's thread (or a burst's scale-back) is
      // what the thread ended with, not the request that came first.
      const head = [...thread.messages].reverse().find((m) => m.kind === 'parent') ?? thread.messages[0];
      out.push({ id, state: thread.state, ...(thread.outcome ? { outcome: thread.outcome } : {}), title: head?.text.split('\n')[0] ?? '' });
    }
    return out;
  }

  /**
   * An immediate answer (help, a parse error): the thread is complete at once, unless it goes on
   * (an approval request now waits in it: its decision ends the thread, or its job's end does).
   */
  async answer(threadId: string, reply: Reply): Promise<void> {
    await this.add(threadId, { kind: 'answer', author: 'voxoz', text: renderText(reply), reply });
    if (!reply.goesOn) await this.end(threadId, reply.status === 'error' ? 'error' : 'answered');
  }

  async end(threadId: string, outcome: string): Promise<void> {
    const { redis, keys } = this.deps;
    await redis.eval(
      END,
      1,
      keys.localThread(threadId),
      outcome,
      JSON.stringify(outcome),
      LOCAL_LIMITS.ttlSeconds,
      JSON.stringify(threadId),
      keys.localEvents,
    );
  }

  async postParent(ref: ThreadRef, reply: Reply): Promise<string> {
    const message = { kind: 'parent' as const, author: 'voxoz', text: renderText(reply), reply };
    // A job that waits for its time (a burst's scale-back) is not counted as running in its thread
    // until its parent says it runs (updateParent): the thread can end with the job before it.
    // An approved job's parent goes on a thread its request kept open: it counts as the request's.
    const reopen = reply.scheduledFor ? 'later' : !reply.continuesThread;
    const given = ref.meta?.thread;
    if (given) return (await this.add(given, message, { reopen })).id;
    const opened = await this.openThread(undefined, '', ref.conversation);
    return `${opened.id}/${(await this.add(opened.id, message, { reopen: reply.scheduledFor ? 'later' : false })).id}`;
  }

  async updateParent(ref: ThreadRef & { parent: string }, reply: Reply): Promise<void> {
    const { redis, keys } = this.deps;
    const { thread, message } = this.locate(ref);
    const current = (await this.thread(thread))?.messages.find((m) => m.id === message);
    if (!current) throw new Error(`message ${message} not found in ${thread}`);
    const { edits: _edits, ...rest } = { ...current, text: renderText(reply), reply };
    const n = message.slice(2);
    const tail = JSON.stringify(rest).slice(1);
    const seq = await redis.eval(
      EDIT,
      1,
      keys.localThread(thread),
      n,
      tail,
      LOCAL_LIMITS.ttlSeconds,
      JSON.stringify(thread),
      keys.localEvents,
      reply.scheduledFor ? '0' : '1',
    );
    if (seq === 0) throw new Error(`message ${message} not found in ${thread}`);
  }

  async postLog(ref: ThreadRef & { parent: string }, lines: string): Promise<void> {
    await this.add(this.locate(ref).thread, { kind: 'log', author: 'voxoz', text: lines });
  }

  async uploadLog(ref: ThreadRef & { parent: string }, file: LogFile): Promise<void> {
    const content = (await readLogTail(file, LOCAL_LIMITS.fileBytes)).toString('utf8');
    await this.add(this.locate(ref).thread, {
      kind: 'file',
      author: 'voxoz',
      text: `${file.name} (${file.bytes} bytes)`,
      file: { name: file.name, content, bytes: file.bytes },
    });
  }

  async attach(ref: ThreadRef & { parent: string }, file: AttachedFile): Promise<void> {
    await this.add(this.locate(ref).thread, {
      kind: 'file',
      author: 'voxoz',
      text: `${file.name} (${file.data.length} bytes)`,
      file: {
        name: file.name,
        bytes: file.data.length,
        content: file.data.toString('base64'),
        contentType: file.contentType,
        encoding: 'base64',
      },
    });
  }

  async finish(ref: ThreadRef & { parent: string }, outcome: string): Promise<void> {
    const { thread, message } = this.locate(ref);
    // An approved request's end is not its thread's: the job it let run goes on there and ends it.
    if ((await this.thread(thread))?.messages.find((m) => m.id === message)?.reply?.goesOn) return;
    await this.end(thread, outcome);
  }

  /** The thread and message a relay's ref points at: `meta.thread` + `m-N`, or a `<thread>/<message>` parent. */
  private locate(ref: ThreadRef & { parent: string }): { thread: string; message: string } {
    const slash = ref.parent.indexOf('/');
    if (slash > 0) return { thread: ref.parent.slice(0, slash), message: ref.parent.slice(slash + 1) };
    const thread = ref.meta?.thread;
    if (!thread) throw new Error('local thread ref has no thread id');
    return { thread, message: ref.parent };
  }

  private async add(
    threadId: string,
    message: Omit<LocalMessage, 'id' | 'edits' | 'at'>,
    opts: { reopen?: boolean | 'later' } = {},
  ): Promise<LocalMessage> {
    const { redis, keys } = this.deps;
    const at = new Date().toISOString();
    const tail = JSON.stringify({ ...message, at }).slice(1);
    const [n] = (await redis.eval(
      ADD,
      1,
      keys.localThread(threadId),
      tail,
      LOCAL_LIMITS.ttlSeconds,
      JSON.stringify(threadId),
      LOCAL_LIMITS.messages,
      message.kind === 'log' ? '1' : '0',
      keys.localEvents,
      opts.reopen === 'later' ? 'later' : opts.reopen ? '1' : '0',
    )) as [number, number];
    if (n === -1) throw new Error(`thread ${threadId} is gone`);
    return { ...message, id: n === 0 ? 'dropped' : `m-${n}`, edits: 0, at };
  }
}
