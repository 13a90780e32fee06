import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Reply, ThreadRef } from '../../src/core/types.ts';
import type { ChatSurface, LogFile } from '../../src/relay/chat-surface.ts';
import { readLogTail } from '../../src/relay/read-log-tail.ts';
import { renderText } from './render-text.ts';

export interface LocalMessage {
  id: string;
  kind: 'command' | 'answer' | 'parent' | 'log' | 'file';
  author: string;
  text: string;
  reply?: Reply;
  file?: { name: string; bytes: number; content: string };
  edits: number;
  at: string;
}

export interface LocalThread {
  id: string;
  messages: LocalMessage[];
  /** `open` until the job (or the answer) is complete. */
  state: 'open' | 'done';
  outcome?: string;
}

export type LocalChatEvent =
  | { type: 'message'; thread: string; message: LocalMessage }
  | { type: 'edit'; thread: string; message: LocalMessage }
  | { type: 'end'; thread: string; outcome: string };

/** Threads kept in memory before the oldest are forgotten. @defaultValue 500 */
const MAX_THREADS = 500;

/**
 * The embedded chat platform: threads of messages in memory, a parent message edited in
 * place, replies in the thread, files attached. It behaves like Slack or Discord as far as the
 * relay can tell, so the same relay code serves all three.
 */
export class LocalChat extends EventEmitter implements ChatSurface {
  readonly platform = 'local';
  readonly limits = { intervalMs: () => 100, maxBatchChars: 8000 };
  private readonly threads = new Map<string, LocalThread>();

  openThread(author: string, text: string): LocalThread {
    const thread: LocalThread = { id: `t-${randomUUID().slice(0, 12)}`, messages: [], state: 'open' };
    this.threads.set(thread.id, thread);
    if (this.threads.size > MAX_THREADS) this.threads.delete(this.threads.keys().next().value!);
    this.add(thread.id, { kind: 'command', author, text });
    return thread;
  }

  thread(id: string): LocalThread | undefined {
    return this.threads.get(id);
  }

  /** An immediate answer (help, a parse error): the thread is complete at once. */
  answer(threadId: string, reply: Reply): void {
    this.add(threadId, { kind: 'answer', author: 'voxoz', text: renderText(reply), reply });
    this.end(threadId, reply.status === 'error' ? 'error' : 'answered');
  }

  end(threadId: string, outcome: string): void {
    const thread = this.mustGet(threadId);
    thread.state = 'done';
    thread.outcome = outcome;
    this.emit('event', { type: 'end', thread: threadId, outcome } satisfies LocalChatEvent);
  }

  async postParent(ref: ThreadRef, reply: Reply): Promise<string> {
    return this.add(this.threadId(ref), { kind: 'parent', author: 'voxoz', text: renderText(reply), reply }).id;
  }

  async updateParent(ref: ThreadRef & { parent: string }, reply: Reply): Promise<void> {
    const thread = this.mustGet(this.threadId(ref));
    const message = thread.messages.find((m) => m.id === ref.parent);
    if (!message) throw new Error(`message ${ref.parent} not found in ${thread.id}`);
    Object.assign(message, { text: renderText(reply), reply, edits: message.edits + 1 });
    this.emit('event', { type: 'edit', thread: thread.id, message } satisfies LocalChatEvent);
  }

  async postLog(ref: ThreadRef & { parent: string }, lines: string): Promise<void> {
    this.add(this.threadId(ref), { kind: 'log', author: 'voxoz', text: lines });
  }

  async uploadLog(ref: ThreadRef & { parent: string }, file: LogFile): Promise<void> {
    const content = (await readLogTail(file)).toString('utf8');
    const bytes = Buffer.byteLength(content);
    this.add(this.threadId(ref), {
      kind: 'file',
      author: 'voxoz',
      text: `${file.name} (${bytes} bytes)`,
      file: { name: file.name, content, bytes },
    });
  }

  async finish(ref: ThreadRef & { parent: string }, outcome: string): Promise<void> {
    this.end(this.threadId(ref), outcome);
  }

  private threadId(ref: ThreadRef): string {
    const id = ref.meta?.thread;
    if (!id) throw new Error('local thread ref has no thread id');
    return id;
  }

  private mustGet(id: string): LocalThread {
    const thread = this.threads.get(id);
    if (!thread) throw new Error(`thread ${id} is gone`);
    return thread;
  }

  private add(threadId: string, message: Omit<LocalMessage, 'id' | 'edits' | 'at'>): LocalMessage {
    const thread = this.mustGet(threadId);
    const full: LocalMessage = { ...message, id: `m-${thread.messages.length + 1}`, edits: 0, at: new Date().toISOString() };
    thread.messages.push(full);
    this.emit('event', { type: 'message', thread: threadId, message: full } satisfies LocalChatEvent);
    return full;
  }
}
