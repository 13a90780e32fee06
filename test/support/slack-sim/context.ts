/**
 * The shared context of the simulator's parts (config, state, limiter, call log), and the
 * Slack-style result helpers the method handlers use.
 */
import type { RateLimiter } from './rate-limit.ts';
import type { Store } from './store.ts';
import type { RecordedCall } from './types.ts';

/** Fixed identity of the simulated workspace and app. */
export interface SimConfig {
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  apiAppId: string;
  botToken: string;
  appToken: string;
  signingSecret: string;
  ackTimeoutMs: number;
  serverPingMs: number;
}

/** What every handler can reach. `baseUrl` is `http://127.0.0.1:PORT` (no trailing slash). */
export interface SimContext {
  config: SimConfig;
  store: Store;
  limiter: RateLimiter;
  calls: RecordedCall[];
  baseUrl: string;
  /** Single-use Socket Mode tickets issued by apps.connections.open. */
  tickets: Set<string>;
  /** Queued injected errors per method (see SlackSimulator.failNext). */
  faults: Map<string, string[]>;
}

/** A Web API answer body (always sent with HTTP 200). */
export type ApiResult = Record<string, unknown> & { ok: boolean };

/** Which token kind a method accepts. */
export type TokenKind = 'bot' | 'app' | 'any';

/** A Web API method: token kind and handler over parsed arguments. */
export interface MethodDef {
  token: TokenKind;
  handle: (ctx: SimContext, args: Record<string, unknown>) => ApiResult;
}

/** `{ok:false, error}` plus extra fields. */
export function fail(error: string, extra: Record<string, unknown> = {}): ApiResult {
  return { ok: false, error, ...extra };
}

/** Slack's `invalid_arguments` answer with `[ERROR] …` detail lines. */
export function invalidArguments(...messages: string[]): ApiResult {
  return fail('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
}

/** Slack's `invalid_blocks` answer. */
export function invalidBlocks(errors: string[]): ApiResult {
  return fail('invalid_blocks', { errors, response_metadata: { messages: errors.map((m) => `[ERROR] ${m}`) } });
}

/** Resolves a channel argument (id, `#name` or `name`) to a known channel id. */
export function resolveChannel(ctx: SimContext, v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  if (ctx.store.channels.has(v)) return v;
  const name = v.startsWith('#') ? v.slice(1) : v;
  for (const c of ctx.store.channels.values()) if (c.name === name) return c.id;
  return undefined;
}

/** True when `v` looks like a Slack ts (`digits.digits`). */
export function isTs(v: unknown): v is string {
  return typeof v === 'string' && /^\d{1,12}\.\d{1,6}$/.test(v);
}
