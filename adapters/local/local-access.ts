import type { IncomingMessage } from 'node:http';
import { sameToken } from './local-token.ts';

/** The cookie the web page carries the token in (HttpOnly, SameSite=Strict). */
export const TOKEN_COOKIE = 'voxoz_token';
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip'];

/** The local API has no login: it answers only connections from this machine. */
export function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || /^(::ffff:)?127\./.test(address));
}

export function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return value.join('=');
  }
  return undefined;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

export type AccessCheck = { ok: true } | { ok: false; status: number; error: string };

/**
 * Who may use the local API: this machine's user, and nobody who merely reaches the port. A
 * reverse proxy or tunnel on this host forwards the Internet from 127.0.0.1, a web page the
 * operator opens can POST to 127.0.0.1 without a preflight, and a DNS-rebinding page can read
 * it; so besides a loopback peer it takes a loopback Host with voxoz's port, no proxy headers,
 * no foreign Origin, JSON bodies only, and the per-install token (header or the page's cookie).
 * `token: false` checks everything but the token (the page that hands the cookie out).
 */
export function checkLocalAccess(req: IncomingMessage, token: string, opts: { token: boolean } = { token: true }): AccessCheck {
  const refuse = (status: number, error: string): AccessCheck => ({ ok: false, status, error });
  if (!isLoopback(req.socket.remoteAddress))
    return refuse(403, 'the local chat API answers only connections from this machine; use Slack or Discord from elsewhere');
  const proxied = PROXY_HEADERS.find((h) => req.headers[h] !== undefined);
  if (proxied)
    return refuse(
      403,
      `the local chat API does not answer through a proxy or tunnel (the request carries ${proxied}); use Slack or Discord from elsewhere`,
    );
  const expected = LOOPBACK_HOSTS.map((h) => `${h}:${req.socket.localPort}`);
  const host = req.headers.host?.toLowerCase();
  if (!host || !expected.includes(host))
    return refuse(403, `the local chat API answers only requests addressed to ${expected[0]} (got Host ${JSON.stringify(host ?? '')})`);
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`)
    return refuse(403, `requests from other web pages are refused (Origin ${JSON.stringify(origin)})`);
  if (req.headers['sec-fetch-site'] === 'cross-site') return refuse(403, 'requests from other web pages are refused');
  if (req.method === 'POST' && !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
    return refuse(415, 'the body must be JSON, sent with content-type: application/json');
  if (opts.token && !sameToken(bearerToken(req) ?? cookieToken(req), token)) {
    return refuse(
      401,
      'the local API needs its token: "voxoz say" reads it from the data dir (.voxoz/local-token); the web page gets it from the address voxoz prints at start',
    );
  }
  return { ok: true };
}
