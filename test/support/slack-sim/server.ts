/**
 * The simulator's HTTP server on 127.0.0.1: routes `/api/<method>` (Web API),
 * `/upload/<fileId>` (upload URLs), `/response/<id>` (response_urls) and WebSocket upgrades
 * (Socket Mode). Unexpected failures answer 500 and are kept in `errors`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimContext } from './context.ts';
import { sendJson } from './http-util.ts';
import { handleUpload } from './methods-files.ts';
import { handleResponseUrl } from './response-urls.ts';
import type { SocketHub } from './socket-mode.ts';
import { handleApi } from './web-api.ts';

/** A started HTTP server and its base URL. */
export interface SimServer {
  server: Server;
  baseUrl: string;
  /** Internal errors raised by handlers (a test can assert this stays empty). */
  errors: Error[];
  close: () => Promise<void>;
}

/** Starts the HTTP server on 127.0.0.1 (port 0 = any free port). */
export async function startServer(getCtx: () => SimContext, hub: () => SocketHub, port = 0): Promise<SimServer> {
  const errors: Error[] = [];
  const server = createServer((req, res) => {
    const ctx = getCtx();
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const [, root, name] = path.split('/');
    const route = async (): Promise<void> => {
      if (root === 'api' && name) return handleApi(ctx, decodeURIComponent(name), req, res);
      if (root === 'upload' && name) return handleUpload(ctx, name, req, res);
      if (root === 'response' && name) return handleResponseUrl(ctx, name, req, res);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    };
    route().catch((err: unknown) => {
      errors.push(err instanceof Error ? err : new Error(String(err)));
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal_error' });
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => hub().handleUpgrade(req, socket, head));
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    server,
    baseUrl: `http://127.0.0.1:${actual}`,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
