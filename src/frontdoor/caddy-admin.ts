import { request } from 'node:http';

export interface AdminAnswer {
  status: number;
  body: string;
}

/** The Host header every admin call sends; Caddy's `admin.origins` names it (see src/services/caddy.ts). */
const HOST = 'voxoz-caddy-admin';
/** Longest one admin call may take; a config load is quick, a stuck caddy must not hang a deploy. @defaultValue 10 s */
const CALL_TIMEOUT_MS = 10_000;

/**
 * One call to Caddy's admin API on its unix socket: JSON in, status and text out. Connection
 * errors reject (the caddy is not running); every HTTP answer resolves, so callers decide what
 * a 4xx/5xx means.
 */
/** Connection errors a config load can cause (Caddy replaces its admin server): the call is tried again. */
const TRANSIENT = /EPIPE|ECONNRESET|socket hang up|ECONNREFUSED/;
/** Tries of one admin call when the connection drops before an answer. @defaultValue 4, 100 ms apart */
const TRIES = 4;

async function call(socket: string, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await callOnce(socket, method, path, body);
    } catch (err) {
      // Every call voxoz makes is a whole replace (POST/PATCH of one object), a read or a delete: safe to send again.
      if (attempt >= TRIES || !TRANSIENT.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function callOnce(socket: string, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: socket,
        // A connection per call: a config load can restart Caddy's admin server, and a kept-alive
        // connection to the old one fails the next call with EPIPE.
        agent: false,
        method,
        path,
        timeout: CALL_TIMEOUT_MS,
        headers: { Host: HOST, ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.once('timeout', () => req.destroy(new Error(`caddy's admin API did not answer ${method} ${path} within ${CALL_TIMEOUT_MS} ms`)));
    req.once('error', reject);
    req.end(payload);
  });
}

/** Like `call`, but anything other than 200 is an error that quotes Caddy's own reason. */
async function expectOk(socket: string, method: string, path: string, body?: unknown): Promise<string> {
  const answer = await call(socket, method, path, body);
  if (answer.status !== 200) {
    const reason = (() => {
      try {
        return (JSON.parse(answer.body) as { error?: string }).error ?? answer.body;
      } catch {
        return answer.body;
      }
    })();
    throw new Error(`caddy refused ${method} ${path} (${answer.status}): ${reason.trim()}`);
  }
  return answer.body;
}

export const caddyAdmin = { HOST, call, expectOk };
