import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimHttpError } from './errors.ts';
import { readBody, sendJson, type ParsedBody } from './http-io.ts';
import { matchRoute, type RouteDef } from './router.ts';
import type { SimContext } from './store.ts';

const NOT_FOUND = { message: '404: Not Found', code: 0 };

/**
 * Returns the `request` handler for the REST side: serves `/cdn/attachments/...` bytes and
 * `/api/v10/...` routes with auth, rate limits, body parsing, validation and recording.
 */
export function createRestHandler(ctx: SimContext, routes: RouteDef[]) {
  const { limiter, store, clock } = ctx;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawSegments = url.pathname.split('/').filter(Boolean);
    let segments: string[];
    try {
      segments = rawSegments.map((s) => decodeURIComponent(s)); // `%40original` → `@original`
    } catch {
      segments = rawSegments;
    }
    if (segments[0] === 'cdn' && segments[1] === 'attachments' && method === 'GET') return serveAttachment(ctx, segments, res);
    let body: ParsedBody = { json: undefined, files: [] };
    let early: SimHttpError | undefined;
    try {
      body = await readBody(req, ctx.maxUploadBytes + 1024 * 1024);
    } catch (e) {
      if (!(e instanceof SimHttpError)) throw e;
      early = e;
    }
    const routePath = segments.slice(2);
    const record = (route: string, status: number, code?: number) => {
      store.calls.push({
        method,
        route,
        path: url.pathname + url.search,
        body: body.json,
        files: body.files.map((f) => ({ name: f.filename, size: f.bytes.length })),
        status,
        ...(code !== undefined ? { code } : {}),
        time: clock.now(),
      });
      if (status === 401 || status === 403 || status === 429) limiter.noteInvalid();
    };
    if (limiter.banned()) {
      // Discord's Cloudflare ban after 10,000 invalid requests in 10 minutes
      res.writeHead(429, { 'Content-Type': 'text/plain', 'Retry-After': '3600' }).end('error code: 1015');
      store.calls.push({ method, route: url.pathname, path: url.pathname, body: body.json, files: [], status: 429, time: clock.now() });
      return;
    }
    if (segments[0] !== 'api' || segments[1] !== 'v10') {
      record(url.pathname, 404, 0);
      return sendJson(res, 404, NOT_FOUND, {});
    }
    const m = matchRoute(routes, method, routePath);
    if ('error' in m) {
      const b = m.error === 404 ? NOT_FOUND : { message: '405: Method Not Allowed', code: 0 };
      record(url.pathname, m.error, 0);
      return sendJson(res, m.error, b, {});
    }
    const { route, params } = m;
    if (route.auth && req.headers.authorization !== `Bot ${ctx.token}`) {
      record(route.pattern, 401, 0);
      return sendJson(res, 401, { message: '401: Unauthorized', code: 0 }, {});
    }
    const win = route.bucket === 'messages' ? limiter.opts.channelMessages : limiter.opts.defaultRoute;
    const major = route.major ? (params[route.major] ?? '') : '';
    const decision = limiter.charge(`${method} ${route.pattern}`, major, win, route.global);
    if (decision.limited) {
      const retryAfter = Math.max(0.001, decision.limited.retryAfterMs / 1000);
      record(route.pattern, 429);
      const msg = 'You are being rate limited.';
      return sendJson(
        res,
        429,
        { message: msg, retry_after: Number(retryAfter.toFixed(3)), global: decision.limited.global },
        decision.headers,
      );
    }
    try {
      if (early) throw early;
      const out = await route.handler({ ctx, params, body, query: url.searchParams });
      record(route.pattern, out.status);
      sendJson(res, out.status, out.body, decision.headers);
    } catch (e) {
      if (!(e instanceof SimHttpError)) {
        record(route.pattern, 500, 0);
        sendJson(res, 500, { message: `simulator error: ${(e as Error).message}`, code: 0 }, decision.headers);
        return;
      }
      record(route.pattern, e.status, Number(e.body.code));
      sendJson(res, e.status, e.body, decision.headers);
    }
  };
}

function serveAttachment(ctx: SimContext, segments: string[], res: ServerResponse): void {
  const id = segments[3] ?? '';
  for (const list of ctx.store.attachments.values()) {
    const a = list.find((x) => x.id === id);
    if (a) {
      res.writeHead(200, { 'Content-Type': a.contentType, 'Content-Length': a.bytes.length }).end(a.bytes);
      return;
    }
  }
  res.writeHead(404).end();
}
