import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, sendJson, type RunningHttpServer } from '../../src/http/http-server.ts';
import { silentLogger } from '../../src/observability/logger.ts';

let http: RunningHttpServer;
beforeAll(async () => {
  http = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLogger,
    mounts: [
      {
        prefix: '/ok',
        handle: (_req, res) => {
          sendJson(res, 200, { ok: true });
          return true;
        },
      },
      {
        prefix: '/throws',
        handle: () => {
          throw new Error('a handler bug');
        },
      },
      {
        prefix: '/rejects',
        handle: async () => {
          throw new Error('an async handler bug');
        },
      },
    ],
  });
});
afterAll(async () => {
  await http?.close();
});

/** Sends raw bytes and returns the status line of the answer ('' when the server just closed). */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(http.port, '127.0.0.1');
    let got = '';
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(bytes)}`));
    });
    socket.on('data', (c) => {
      got += c.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    socket.write(bytes);
  });
}

describe('the HTTP server survives whatever a client sends', () => {
  it.each([
    ['an invalid absolute URL as the target', 'GET http://[/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'],
    ['a target that is neither a path nor a URL', 'GET http://a b/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'],
    ['garbage instead of a request line', '\x00\x01\x02 nonsense\r\n\r\n'],
    ['a header without a colon', 'GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n'],
    ['a control character in a header value', 'GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x01b\r\n\r\n'],
    ['a bad content-length', 'POST /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n'],
    ['two content-lengths', 'POST /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
  ])('%s gets a 400 and nothing else', async (_what, bytes) => {
    expect(await raw(bytes)).toBe('HTTP/1.1 400 Bad Request');
    expect((await fetch(`http://127.0.0.1:${http.port}/ok`)).status).toBe(200);
  });

  it('an oversized header block gets a 431', async () => {
    expect(await raw(`GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toBe(
      'HTTP/1.1 431 Request Header Fields Too Large',
    );
  });

  it('a handler that throws, at once or later, costs that request a 500 and nothing more', async () => {
    expect((await fetch(`http://127.0.0.1:${http.port}/throws`)).status).toBe(500);
    expect((await fetch(`http://127.0.0.1:${http.port}/rejects`)).status).toBe(500);
    expect((await fetch(`http://127.0.0.1:${http.port}/ok`)).status).toBe(200);
  });
});

describe('a port voxoz cannot listen on', () => {
  const start = (host: string, port: number) =>
    startHttpServer({ host, port, log: silentLogger, mounts: [] }).then(
      async (s) => {
        await s.close();
        return 'listening';
      },
      (err: Error) => err.message,
    );

  it('is named, with the setting that picks another (a second voxoz on one machine, a bad HOST)', async () => {
    expect(await start('127.0.0.1', http.port)).toBe(
      `127.0.0.1:${http.port} is already in use (another voxoz, or another program, listens there); give this one a free port, e.g. PORT=${http.port + 1}`,
    );
    // TEST-NET-1: never an address of this machine, and nothing is sent to it.
    expect(await start('192.0.2.1', 0)).toBe(
      'cannot listen on 192.0.2.1:0: no interface here has that address; set HOST to one that does (e.g. 127.0.0.1)',
    );
  });
});
