import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { Logger } from '../observability/logger.ts';

/** A set of routes an adapter mounts under a path prefix (`/local`, `/slack`, `/discord`). */
export interface HttpMount {
  prefix: string;
  /** Returns false when no route matched, so the server answers 404. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> | boolean;
}

export interface RunningHttpServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** One HTTP server for every adapter endpoint; `port: 0` takes a free port. */
export async function startHttpServer(opts: { host: string; port: number; mounts: HttpMount[]; log: Logger }): Promise<RunningHttpServer> {
  const mounts = [...opts.mounts].sort((a, b) => b.prefix.length - a.prefix.length);
  const server = createServer((req, res) => {
    // Nothing a client sends may throw out of this callback: an exception here would end the
    // process and every in-process worker with it.
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      req.resume();
      sendJson(res, 400, { error: 'the request target is not a valid URL path' });
      return;
    }
    const mount = mounts.find((m) => url.pathname === m.prefix || url.pathname.startsWith(m.prefix === '/' ? '/' : `${m.prefix}/`));
    const failed = (err: unknown) => {
      opts.log.error('http handler failed', { path: url.pathname, err });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    };
    let handling: Promise<boolean> | boolean;
    try {
      handling = mount ? mount.handle(req, res, url) : false;
    } catch (err) {
      failed(err);
      return;
    }
    Promise.resolve(handling)
      .then((handled) => {
        if (!handled && !res.headersSent) sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
      })
      .catch(failed);
  });
  // A malformed request line or header never reaches the callback: answer 400 and close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    opts.log.debug('malformed http request', { code: err.code });
    if (err.code !== 'ECONNRESET' && socket.writable) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    } else socket.destroy();
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, opts.host, opts.port)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Fails as startHttpServer would when voxoz could not listen on `host:port`, without keeping it:
 * checked before voxoz starts its Redis, dockerd and caddy, so a second voxoz on one machine is
 * told at once rather than after starting (and stopping again) its services. `port: 0` always fits.
 */
export async function checkCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createTcpServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** What stops voxoz listening, with what to do: PORT and HOST are the settings that choose. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const at = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (err.code === 'EADDRINUSE')
    return new Error(
      `${at} is already in use (another voxoz, or another program, listens there); give this one a free port, e.g. PORT=${port + 1}`,
    );
  if (err.code === 'EACCES') return new Error(`may not listen on ${at} (ports below 1024 need root); set PORT to 1024 or above`);
  if (err.code === 'EADDRNOTAVAIL')
    return new Error(`cannot listen on ${at}: no interface here has that address; set HOST to one that does (e.g. 127.0.0.1)`);
  return err;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a request body up to `limit` bytes; longer bodies are refused with a 413 by the caller. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is drained and dropped, so the caller can still answer 413;
      // a body that goes on far past it is cut off.
      if (size > limit * 4 + 65_536) req.destroy();
      else if (size > limit) reject(Object.assign(new Error(`body larger than ${limit} bytes`), { status: 413 }));
      else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
