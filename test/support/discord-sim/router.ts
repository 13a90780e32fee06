import type { ParsedBody } from './http-io.ts';
import type { SimContext } from './store.ts';

/** What a handler receives: decoded path params, parsed body, query string. */
export interface RouteRequest {
  ctx: SimContext;
  params: Record<string, string>;
  body: ParsedBody;
  query: URLSearchParams;
}

/** A handler's answer; `body: undefined` with 204. */
export interface RouteResult {
  status: number;
  body?: unknown;
}

/** One REST route of the simulated API (paths relative to `/api/v10`). */
export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Template with `:params`, e.g. `/channels/:channel/messages/:message`. */
  pattern: string;
  /** Requires `Authorization: Bot <token>` (false for interaction callbacks and webhooks). */
  auth: boolean;
  /** Counts toward the global per-second limit. */
  global: boolean;
  /** Which window applies: the per-channel message limit or the default route limit. */
  bucket: 'messages' | 'default';
  /** Param naming the major parameter of the bucket (channel, webhook token, ...). */
  major?: string;
  handler(r: RouteRequest): RouteResult | Promise<RouteResult>;
}

/** Result of matching a path: the route and its params, or why nothing matched. */
export type Match = { route: RouteDef; params: Record<string, string> } | { error: 404 | 405 };

/** Matches `segments` (already percent-decoded) against the route table. */
export function matchRoute(routes: RouteDef[], method: string, segments: string[]): Match {
  let pathMatched = false;
  for (const route of routes) {
    const parts = route.pattern.split('/').filter(Boolean);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i += 1) {
      const p = parts[i] as string;
      const s = segments[i] as string;
      if (p.startsWith(':')) params[p.slice(1)] = s;
      else ok = p === s;
    }
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  return { error: pathMatched ? 405 : 404 };
}
