import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { say } from '../../adapters/local/say-client.ts';
import type { LocalChatEvent, LocalMessage } from '../../adapters/local/local-thread-types.ts';

/**
 * `voxoz say` while a job is silent: progress on its own stream (a line rewritten in place on a
 * terminal, a heartbeat line elsewhere), never mixed into the thread's output. The local API is
 * a double here (the real one is driven in local-cli.test.ts): a thread whose parent says
 * "running build", then `quietMs` of nothing, then the end.
 */
let server: Server | undefined;
afterEach(() => {
  server?.close();
});

const frame = (e: LocalChatEvent) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
const message = (text: string, kind: 'command' | 'parent', id: string = kind, reply?: LocalMessage['reply']): LocalMessage => ({
  id,
  kind,
  author: 'voxoz',
  text,
  ...(reply ? { reply } : {}),
  edits: 0,
  at: new Date().toISOString(),
});

/** The local API's double: takes the command, then sends the thread's events as `events` writes them. */
async function serve(events: (res: ServerResponse) => void, posted: { thread: string; job?: string } = { thread: 't-1' }): Promise<string> {
  server = createServer((req, res) => {
    if (req.method === 'POST') {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify(posted));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    events(res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

function localApi(quietMs: number): Promise<string> {
  return serve((res) => {
    res.write(frame({ type: 'message', thread: 't-1', seq: 1, message: message('deploy hello', 'command') }));
    res.write(frame({ type: 'message', thread: 't-1', seq: 2, message: message('deploy hello: running build', 'parent') }));
    setTimeout(() => {
      res.write(frame({ type: 'edit', thread: 't-1', seq: 3, message: message('deploy hello: succeeded', 'parent') }));
      res.end(frame({ type: 'end', thread: 't-1', seq: 4, outcome: 'succeeded' }));
    }, quietMs);
  });
}

describe('voxoz say shows progress while a job is silent', () => {
  it('elsewhere than a terminal: a line per heartbeat of silence, with the time and the state', async () => {
    const baseUrl = await localApi(2000);
    let out = '';
    let progress = '';
    const code = await say({
      baseUrl,
      token: 't',
      user: 'alice',
      text: 'deploy hello',
      write: (t) => {
        out += t;
      },
      progress: { write: (t) => (progress += t), tty: false, heartbeatMs: 400 },
    });
    expect(code).toBe(0);
    const lines = progress.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^… \d+ s, still: deploy hello: running build$/);
    expect(out).not.toContain('still');
    expect(out).toContain('deploy hello: succeeded');
  });

  it('on a terminal: one line rewritten in place every second, cleared before the thread goes on', async () => {
    const baseUrl = await localApi(3300);
    let progress = '';
    const code = await say({
      baseUrl,
      token: 't',
      user: 'alice',
      text: 'deploy hello',
      write: () => undefined,
      progress: { write: (t) => (progress += t), tty: true },
    });
    expect(code).toBe(0);
    const drawn = progress.split('\r\x1b[2K').filter(Boolean);
    expect(drawn.length).toBeGreaterThanOrEqual(2);
    for (const line of drawn) expect(line).toMatch(/^… \d+ s: deploy hello: running build$/);
    expect(progress.endsWith('\r\x1b[2K')).toBe(true);
    expect(progress).not.toContain('\n');
  });
});

describe('voxoz say ends with what the job it asked for came to', () => {
  it('a job scheduled in the same thread (a burst’s scale-back), edited after the burst ended, is not shown as the end', async () => {
    const scheduled = {
      title: 'scale hello 1: scheduled for 2026-12-05 14:14:01 UTC',
      status: 'queued' as const,
      scheduledFor: '2026-12-05T14:14:01.185Z',
    };
    const baseUrl = await serve((res) => {
      const events: LocalChatEvent[] = [
        { type: 'message', thread: 't-1', seq: 1, message: message('burst hello +2 for 1m', 'command') },
        { type: 'message', thread: 't-1', seq: 2, message: message('burst hello: queued', 'parent', 'm-2') },
        { type: 'message', thread: 't-1', seq: 3, message: message(scheduled.title, 'parent', 'm-3', scheduled) },
        { type: 'edit', thread: 't-1', seq: 4, message: message('hello bursting to 3 until 2026-12-05T14:14:01.185Z', 'parent', 'm-2') },
        { type: 'edit', thread: 't-1', seq: 5, message: message(scheduled.title, 'parent', 'm-3', scheduled) },
        { type: 'end', thread: 't-1', seq: 6, outcome: 'succeeded' },
      ];
      res.end(events.map(frame).join(''));
    });
    let out = '';
    const code = await say({ baseUrl, token: 't', user: 'alice', text: 'burst hello +2 for 1m', write: (t) => (out += t) });
    expect(code).toBe(0);
    expect(out.endsWith('\nhello bursting to 3 until 2026-12-05T14:14:01.185Z\n')).toBe(true);
  });
});

describe('voxoz say when the thread does not end', () => {
  const started = (res: ServerResponse) => {
    res.write(frame({ type: 'message', thread: 't-1', seq: 1, message: message('deploy hello', 'command') }));
    res.write(frame({ type: 'message', thread: 't-1', seq: 2, message: message('deploy hello: running build', 'parent') }));
  };
  const ask = (baseUrl: string, timeoutMs?: number) =>
    say({ baseUrl, token: 't', user: 'alice', text: 'deploy hello', write: () => undefined, ...(timeoutMs ? { timeoutMs } : {}) }).then(
      () => 'ended',
      (err: Error) => err.message,
    );

  it('voxoz stopping mid-thread (the connection cut, or closed) says the job goes on and how to find it', async () => {
    const cut = await serve(
      (res) => {
        started(res);
        setTimeout(() => res.destroy(), 100);
      },
      { thread: 't-1', job: 'j-1' },
    );
    expect(await ask(cut)).toMatch(
      /^lost voxoz at http:\/\/127\.0\.0\.1:\d+ before the thread ended \(.+\); job j-1 goes on when voxoz runs again: voxoz say "jobs" lists it$/,
    );
    server?.close();
    const closed = await serve((res) => {
      started(res);
      setTimeout(() => res.end(), 100);
    });
    expect(await ask(closed)).toMatch(
      /before the thread ended \(the connection was closed\); what it asked for goes on when voxoz runs again/,
    );
  });

  it('gives up after its time with the thread still open, saying the job goes on', async () => {
    const baseUrl = await serve(started, { thread: 't-1', job: 'j-2' });
    expect(await ask(baseUrl, 1500)).toBe(
      'stopped following after 2 s with the thread still open; job j-2 goes on in voxoz: voxoz say "jobs" lists it',
    );
  });
});

describe('voxoz say when voxoz answers but cannot keep a thread', () => {
  it('prints the answer, then says why there is no thread to follow (exit 1)', async () => {
    server = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: 'the local chat cannot store threads: Redis does not answer',
          answer: { title: 'deploy hello: queue unavailable', status: 'error', text: 'nothing was queued, try again in a minute' },
        }),
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    let out = '';
    const failed = await say({ baseUrl, token: 't', user: 'alice', text: 'deploy hello', write: (t) => (out += t) }).catch(
      (err: Error) => err.message,
    );
    expect(failed).toBe('the local chat cannot store threads: Redis does not answer');
    expect(out).toBe('✗ deploy hello: queue unavailable\n  nothing was queued, try again in a minute\n');
  });
});
