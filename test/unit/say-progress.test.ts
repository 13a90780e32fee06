import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { say } from '../../adapters/local/say-client.ts';
import type { LocalChatEvent } from '../../adapters/local/local-thread-types.ts';

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

async function localApi(quietMs: number): Promise<string> {
  const frame = (e: LocalChatEvent) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
  server = createServer((req, res) => {
    if (req.method === 'POST') {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ thread: 't-1' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const message = (text: string, kind: 'command' | 'parent') => ({
      id: kind,
      kind,
      author: 'voxoz',
      text,
      edits: 0,
      at: new Date().toISOString(),
    });
    res.write(frame({ type: 'message', thread: 't-1', seq: 1, message: message('deploy hello', 'command') }));
    res.write(frame({ type: 'message', thread: 't-1', seq: 2, message: message('deploy hello: running build', 'parent') }));
    setTimeout(() => {
      res.write(frame({ type: 'edit', thread: 't-1', seq: 3, message: message('deploy hello: succeeded', 'parent') }));
      res.end(frame({ type: 'end', thread: 't-1', seq: 4, outcome: 'succeeded' }));
    }, quietMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
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
