import { request, createServer, type Server } from 'node:http';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

let voxoz: TestVoxoz;
beforeAll(async () => {
  voxoz = await startTestVoxoz();
});
afterAll(async () => {
  await voxoz?.close();
});

const auth = () => ({ authorization: `Bearer ${voxoz.localToken}` });
const post = (path: string, body: string, type = 'application/json') =>
  fetch(`${voxoz.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...auth() }, body });

/** A raw request, so the test can send the Host, Origin and proxy headers a browser or proxy would. */
function send(opts: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  port?: number;
}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: opts.port ?? voxoz.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const command = JSON.stringify({ user: 'mallory', text: 'deploy hello' });

describe('local chat API', () => {
  it.each([
    ['malformed JSON', 'not json', 400, 'the body is not valid JSON'],
    ['a JSON array', '[1,2]', 400, 'the body must be a JSON object'],
    [
      'a user name with a space',
      JSON.stringify({ user: 'a b', text: 'help' }),
      400,
      '"user" must be 1..32 letters, digits, ".", "_" or "-"',
    ],
    ['a missing text', JSON.stringify({ user: 'alice' }), 400, '"text" must be the command as a string, e.g. "deploy hello"'],
    ['a 20 KB body', JSON.stringify({ user: 'alice', text: 'x'.repeat(20_000) }), 413, 'the body is larger than 16384 bytes'],
  ])('refuses %s', async (_what, body, status, error) => {
    const res = await post('/local/commands', body);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error });
  });

  it('answers a command in a thread and closes it; the thread can be read and followed', async () => {
    const res = await post('/local/commands', JSON.stringify({ user: 'alice', text: 'help deploy' }));
    expect(res.status).toBe(202);
    const { thread } = (await res.json()) as { thread: string };
    const read = (await (await fetch(`${voxoz.url}/local/threads/${thread}`, { headers: auth() })).json()) as {
      state: string;
      outcome: string;
      messages: Array<{ kind: string; text: string }>;
    };
    expect(read).toMatchObject({ state: 'done', outcome: 'answered' });
    expect(read.messages.map((m) => m.kind)).toEqual(['command', 'answer']);
    expect(read.messages[1]!.text).toContain('Usage: voxoz deploy <app> [ref] [--env <env>]');
    const events = await (await fetch(`${voxoz.url}/local/threads/${thread}/events`, { headers: auth() })).text();
    expect(events).toMatch(
      /^event: message\ndata: .*"kind":"command"[\s\S]*event: message\ndata: .*"kind":"answer"[\s\S]*event: end\ndata: .*"outcome":"answered"/,
    );
  });

  it('says when a thread does not exist, and what routes there are', async () => {
    expect((await fetch(`${voxoz.url}/local/threads/t-nope`, { headers: auth() })).status).toBe(404);
    const missing = await fetch(`${voxoz.url}/local/nothing`, { headers: auth() });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no route for GET /local/nothing' });
  });

  it('serves a health check to anyone, and the web page only for the token', async () => {
    expect(await (await fetch(`${voxoz.url}/healthz`)).json()).toEqual({ ok: true });
    expect((await fetch(`${voxoz.url}/`)).status).toBe(401);
    expect((await fetch(`${voxoz.url}/?token=not-the-token-at-all`)).status).toBe(401);
    const opened = await fetch(`${voxoz.url}/?token=${voxoz.localToken}`, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/');
    const cookie = opened.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^voxoz_token=[^;]+; HttpOnly; SameSite=Strict; Path=\/$/);
    const page = await fetch(`${voxoz.url}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>voxoz</title>');
    // The page's own requests carry the cookie, EventSource included.
    const res = await fetch(`${voxoz.url}/local/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookie.split(';')[0]!, origin: voxoz.url },
      body: JSON.stringify({ user: 'alice', text: 'help' }),
    });
    expect(res.status).toBe(202);
  });

  it('keeps the token in the data dir, readable by this user only', () => {
    const file = join(voxoz.dir, 'data', 'local-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(voxoz.localToken);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('button presses go through the dispatcher: an unknown job is said to be unknown', async () => {
    const res = await post('/local/interactions', JSON.stringify({ user: 'alice', action: 'cancel', value: 'no-such-job' }));
    expect(((await res.json()) as { reply: { text: string } }).reply.text).toBe(
      'there is no job no-such-job; it may have finished and expired ("jobs" lists the current ones)',
    );
  });
});

describe('the local API answers only its user', () => {
  const host = () => `127.0.0.1:${voxoz.port}`;
  const json = { 'content-type': 'application/json' };
  it.each([
    ['no token', () => ({ host: host(), ...json }), 401, /needs its token/],
    ['a wrong token', () => ({ host: host(), ...json, authorization: 'Bearer wrong-wrong-wrong-wrong' }), 401, /needs its token/],
    ['a DNS-rebinding Host', () => ({ host: `evil.example:${voxoz.port}`, ...json, ...auth() }), 403, /addressed to 127\.0\.0\.1:/],
    ['a loopback Host with another port', () => ({ host: '127.0.0.1:1', ...json, ...auth() }), 403, /addressed to 127\.0\.0\.1:/],
    [
      'a page of another site (Origin)',
      () => ({ host: host(), ...json, ...auth(), origin: 'https://evil.example' }),
      403,
      /other web pages/,
    ],
    ['an opaque Origin', () => ({ host: host(), ...json, ...auth(), origin: 'null' }), 403, /other web pages/],
    ['a no-cors text/plain body', () => ({ host: host(), 'content-type': 'text/plain', ...auth() }), 415, /must be JSON/],
    ['X-Forwarded-For', () => ({ host: host(), ...json, ...auth(), 'x-forwarded-for': '203.0.113.9' }), 403, /through a proxy or tunnel/],
    ['Forwarded', () => ({ host: host(), ...json, ...auth(), forwarded: 'for=203.0.113.9' }), 403, /through a proxy or tunnel/],
  ])('refuses a command with %s, and queues nothing', async (_what, headers, status, error) => {
    const res = await send({ method: 'POST', path: '/local/commands', headers: headers(), body: command });
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body).error).toMatch(error);
  });

  it('a DNS-rebinding page cannot read threads', async () => {
    const res = await send({ path: '/local/threads/t-anything', headers: { host: `evil.example:${voxoz.port}`, ...auth() } });
    expect(res.status).toBe(403);
  });

  it('a reverse proxy on this host gets nothing, even one that hides that it is a proxy', async () => {
    // What a tunnel or `proxy_pass` in front of the port does: the Internet arrives from 127.0.0.1.
    const proxy = (rewrite: boolean): Promise<Server> =>
      new Promise((resolve) => {
        const server = createServer((req, res) => {
          const headers = rewrite
            ? { ...req.headers, host: host() }
            : { ...req.headers, 'x-forwarded-for': '203.0.113.9', 'x-forwarded-host': 'bot.example' };
          const upstream = request({ host: '127.0.0.1', port: voxoz.port, method: req.method, path: req.url, headers }, (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          });
          req.pipe(upstream);
        });
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    for (const rewrite of [false, true]) {
      const server = await proxy(rewrite);
      const port = (server.address() as { port: number }).port;
      const res = await send({ method: 'POST', port, path: '/local/commands', headers: { host: 'bot.example', ...json }, body: command });
      expect(res.status).toBe(rewrite ? 401 : 403);
      const page = await send({ port, path: '/', headers: { host: 'bot.example' } });
      expect(page.status).toBe(rewrite ? 401 : 403);
      expect(page.body).not.toContain(voxoz.localToken!);
      await new Promise((r) => server.close(r));
    }
  });
});
