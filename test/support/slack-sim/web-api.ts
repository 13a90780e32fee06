/**
 * The Web API front door: `POST /api/<method>`. Parses form/JSON/multipart bodies, checks the
 * token (`not_authed`, `invalid_auth`, `not_allowed_token_type`), applies rate limits (HTTP
 * 429 + Retry-After), runs the method, records the call. Every other answer is HTTP 200.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fail, resolveChannel, type ApiResult, type MethodDef, type SimContext } from './context.ts';
import { bearerToken, parseBody, readBody, sendJson, str } from './http-util.ts';
import { chatMethods } from './methods-chat.ts';
import { fileMethods } from './methods-files.ts';
import { miscMethods } from './methods-misc.ts';
import { viewMethods } from './methods-views.ts';

/** Every method the simulator implements. */
export const METHODS: Record<string, MethodDef> = { ...chatMethods, ...fileMethods, ...miscMethods, ...viewMethods };

const JSON_ARGS = ['blocks', 'attachments', 'files', 'metadata', 'view'];

/** A copy of the arguments for the call log: token dropped, JSON-in-form fields parsed. */
function recordArgs(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'token') continue;
    if (JSON_ARGS.includes(k) && typeof v === 'string') {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* keep the raw string */
      }
    }
    out[k] = v;
  }
  return out;
}

/** Runs auth, limits and the method; returns status, body and headers. */
function dispatch(
  ctx: SimContext,
  method: string,
  args: Record<string, unknown>,
  token: string | undefined,
  malformed?: string,
): { status: 200 | 429; body: ApiResult; headers: Record<string, string> } {
  const ok = (body: ApiResult) => ({ status: 200 as const, body, headers: {} });
  const def = METHODS[method];
  if (!def) return ok(fail('unknown_method', { req_method: method }));
  if (malformed) return ok(fail('invalid_json', { response_metadata: { messages: [`[ERROR] ${malformed}`] } }));
  if (!token) return ok(fail('not_authed'));
  const kind = token === ctx.config.botToken ? 'bot' : token === ctx.config.appToken ? 'app' : undefined;
  if (!kind) return ok(fail('invalid_auth'));
  if (def.token !== 'any' && def.token !== kind) return ok(fail('not_allowed_token_type'));
  const channelKey = resolveChannel(ctx, args.channel) ?? str(args.channel);
  const decision = ctx.limiter.take(method, channelKey);
  if (!decision.allowed) {
    return { status: 429, body: fail('ratelimited'), headers: { 'retry-after': String(decision.retryAfter) } };
  }
  const injected = ctx.faults.get(method)?.shift();
  if (injected) return ok(fail(injected));
  return ok(def.handle(ctx, args));
}

/** Handles one `POST /api/<method>` request. */
export async function handleApi(ctx: SimContext, method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' && req.method !== 'GET') {
    sendJson(res, 405, fail('method_not_supported'));
    return;
  }
  const raw = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const parsed = await parseBody(raw, req.headers['content-type']);
  const fields: Record<string, unknown> = { ...Object.fromEntries(url.searchParams), ...parsed.fields };
  const isJson = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
  // Slack takes a body token from forms only; JSON bodies need the Authorization header.
  const token = bearerToken(req) ?? (isJson ? undefined : str(fields.token));
  const { status, body, headers } = dispatch(ctx, method, fields, token, parsed.malformed);
  ctx.calls.push({
    method,
    args: recordArgs(fields),
    token,
    at: Date.now(),
    status,
    ok: body.ok,
    ...(typeof body.error === 'string' ? { error: body.error } : {}),
    response: body,
  });
  sendJson(res, status, body, headers);
}
