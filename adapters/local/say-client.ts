import type { Reply } from '../../src/core/types.ts';
import type { LocalChatEvent, LocalMessage } from './local-chat.ts';
import { renderText } from './render-text.ts';

export interface SayOptions {
  baseUrl: string;
  /** The local API's token (VOXOZ_TOKEN, or local-token in the data dir). */
  token: string | undefined;
  user: string;
  text: string;
  write: (text: string) => void;
  /** Gives up after this long with no end of thread. @defaultValue 30 min */
  timeoutMs?: number;
  /**
   * Where progress goes while the thread is silent (stderr): on a terminal (`tty`) one line,
   * rewritten every second, with the time so far and the job's state; elsewhere a line after
   * each `heartbeatMs` of silence. @defaultValue none: no progress
   */
  progress?: { write: (text: string) => void; tty: boolean; heartbeatMs?: number };
  /**
   * Told what the command became once voxoz took it: its thread, and its job when one was queued;
   * told again when the thread shows an approval request waiting (its id) or the job it let run.
   */
  onPosted?: (posted: Posted) => void;
}

export interface Posted {
  thread: string;
  job?: string;
  /** An approval request the thread waits on (until it is decided). */
  approval?: string;
}

/** How often the progress line is rewritten on a terminal. */
const TICK_MS = 1000;
/** Silence after which a line says the job is still going, when not on a terminal. @defaultValue 15 s */
const HEARTBEAT_MS = 15_000;

const OK = new Set(['succeeded', 'answered']);

function show(message: LocalMessage, edited: boolean): string {
  switch (message.kind) {
    case 'command':
      return `${message.author}: ${message.text}`;
    case 'log':
      return message.text
        .split('\n')
        .map((l) => `  │ ${l}`)
        .join('\n');
    case 'file':
      return `  📎 ${message.text}`;
    default:
      return edited ? `~ ${message.text.split('\n')[0]}` : message.text;
  }
}

/**
 * `voxoz say "deploy hello"`: posts a command to the local API and prints its thread live
 * until it ends. Resolves with the exit code: 0 when the job succeeded or the answer was not
 * an error, 1 otherwise.
 */
export async function say(opts: SayOptions): Promise<number> {
  const posted = await fetch(new URL('/local/commands', opts.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token ?? ''}` },
    body: JSON.stringify({ user: opts.user, text: opts.text }),
  }).catch((err: Error) => {
    throw new Error(
      `voxoz is not answering at ${opts.baseUrl} (${err.cause instanceof Error ? err.cause.message : err.message}); start it with "npm start"`,
    );
  });
  const body = (await posted.json()) as { thread?: string; job?: string; error?: string; answer?: Reply };
  if (!posted.ok && body.answer) {
    // voxoz answered but could not keep a thread (Redis does not answer): the answer, then why.
    opts.write(`${renderText(body.answer)}\n`);
    throw new Error(body.error ?? `HTTP ${posted.status}`);
  }
  if (!posted.ok || !body.thread) throw new Error(`voxoz refused the command: ${body.error ?? posted.status}`);
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  let following: Posted = { thread: body.thread, ...(body.job ? { job: body.job } : {}) };
  opts.onPosted?.(following);
  const res = await fetch(new URL(`/local/threads/${body.thread}/events`, opts.baseUrl), {
    headers: { authorization: `Bearer ${opts.token ?? ''}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok || !res.body) throw new Error(`cannot follow thread ${body.thread}: HTTP ${res.status}`);
  let buffer = '';
  let last: LocalMessage | undefined;
  const decoder = new TextDecoder();
  const ticker = progressTicker(opts.progress, () => last?.text.split('\n')[0] ?? 'queued');
  const write = (text: string) => {
    ticker.clear();
    opts.write(text);
  };
  try {
    return await follow();
  } catch (err) {
    // voxoz stopped (or the connection did) while the thread was open: the job is in Redis, not here.
    const what = following.job ? `job ${following.job}` : 'what it asked for';
    if ((err as Error).name === 'TimeoutError')
      throw new Error(
        `stopped following after ${timeoutMs >= 60_000 ? `${Math.round(timeoutMs / 60_000)} min` : `${Math.round(timeoutMs / 1000)} s`} with the thread still open; ${what} goes on in voxoz: voxoz say "jobs" lists it`,
      );
    throw new Error(
      `lost voxoz at ${opts.baseUrl} before the thread ended (${(err as Error).message}); ${what} goes on when voxoz runs again: voxoz say "jobs" lists it`,
    );
  } finally {
    ticker.stop();
  }

  async function follow(): Promise<number> {
    for await (const chunk of res!.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const event = JSON.parse(data.slice(6)) as LocalChatEvent;
        if (event.type === 'end') {
          if (last && last.kind === 'parent') write(`${last.text}\n`);
          return OK.has(event.outcome) ? 0 : 1;
        }
        // What the thread ends with is the job it asked for, not one scheduled in it for later (a burst's scale-back).
        if (event.message.kind === 'parent' && !(last && event.message.reply?.scheduledFor)) {
          last = event.message;
          following = { thread: following.thread, ...(following.job ? { job: following.job } : {}), ...waitingOn(event.message) };
          opts.onPosted?.(following);
        }
        write(`${show(event.message, event.type === 'edit')}\n`);
      }
    }
    throw new Error('the connection was closed');
  }
}

/** What a parent message lets the person stop: the approval it asks for, or its job (by their buttons). */
function waitingOn(message: LocalMessage): Pick<Posted, 'job' | 'approval'> {
  const buttons = message.reply?.buttons ?? [];
  const approval = buttons.find((b) => b.id === 'approve')?.value;
  const job = buttons.find((b) => b.id === 'cancel')?.value;
  return { ...(approval ? { approval } : {}), ...(job ? { job } : {}) };
}

/**
 * Progress while nothing else is shown: on a terminal a line rewritten in place (cleared before
 * the thread's next output), elsewhere "… still <state>" after each heartbeat of silence.
 */
function progressTicker(progress: SayOptions['progress'], state: () => string) {
  if (!progress) return { clear: () => undefined, stop: () => undefined };
  const started = Date.now();
  let quietSince = Date.now();
  let drawn = false;
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const every = progress.tty ? TICK_MS : (progress.heartbeatMs ?? HEARTBEAT_MS);
  const timer = setInterval(() => {
    if (progress.tty) {
      progress.write(`\r\x1b[2K… ${seconds()} s: ${state()}`);
      drawn = true;
    } else if (Date.now() - quietSince >= every) {
      progress.write(`… ${seconds()} s, still: ${state()}\n`);
      quietSince = Date.now();
    }
  }, every);
  timer.unref();
  const clear = () => {
    quietSince = Date.now();
    if (drawn) progress.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    clear,
    stop: () => {
      clearInterval(timer);
      clear();
    },
  };
}
