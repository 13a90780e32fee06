import type { ServerResponse } from 'node:http';
import type { LocalChat } from './local-chat.ts';
import type { LocalChatEvent } from './local-thread-types.ts';

/**
 * Serves a thread as server-sent events (`message`, `edit`, `end`): what it holds now, then what
 * any voxoz process on the same Redis and queue writes to it, until it ends. The listener is
 * attached before the snapshot is read, so nothing written in between is missed, and events the
 * snapshot already holds (their `seq` is at or below its own) are not sent twice.
 * Resolves false when there is no such thread (nothing was written to `res`).
 */
export async function followThread(chat: LocalChat, id: string, res: ServerResponse): Promise<boolean> {
  const early: LocalChatEvent[] = [];
  let live: ((event: LocalChatEvent) => void) | undefined;
  const listener = (event: LocalChatEvent) => {
    if (event.thread !== id) return;
    if (live) live(event);
    else early.push(event);
  };
  chat.on('event', listener);
  const stop = () => chat.off('event', listener);
  const thread = await chat.thread(id).catch((err: unknown) => {
    stop();
    throw err;
  });
  if (!thread) {
    stop();
    return false;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (event: LocalChatEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  let seq = thread.seq;
  for (const message of thread.messages) send({ type: 'message', thread: id, seq, message });
  if (thread.state === 'done') {
    stop();
    send({ type: 'end', thread: id, seq, outcome: thread.outcome ?? 'done' });
    res.end();
    return true;
  }
  res.once('close', stop);
  live = (event) => {
    if (event.seq <= seq) return;
    seq = event.seq;
    send(event);
    if (event.type === 'end') {
      stop();
      res.end();
    }
  };
  for (const event of early.splice(0)) live(event);
  return true;
}

/** How often a quiet event stream sends a comment, so proxies and browsers keep it open. @defaultValue 15 s */
const KEEPALIVE_MS = 15_000;

/**
 * Every thread's events (`message`, `edit`, `end`) as server-sent events, from now on, on one
 * connection: the web console follows all its threads through it (a connection per thread would
 * hit the browser's six per host). A client reads a thread's snapshot (GET /local/threads/:id)
 * when it first sees it and drops the events at or below that snapshot's `seq`.
 */
export function followAllThreads(chat: LocalChat, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': following every thread\n\n');
  const listener = (event: LocalChatEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  chat.on('event', listener);
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  res.once('close', () => {
    clearInterval(keepalive);
    chat.off('event', listener);
  });
}
