/**
 * Slack request signing and the raw signed sender used by every inbound helper.
 * Signature: `v0=` + hex(HMAC-SHA256(secret, `v0:${timestamp}:${rawBody}`)).
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import type { InboundResult, SignOptions } from './types.ts';

/** Computes Slack's `X-Slack-Signature` value for a body and timestamp (unix seconds). */
export function slackSignature(secret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Sends one POST to an http://127.0.0.1 URL and collects the answer. */
export function postRaw(url: string, body: string, headers: Record<string, string>): Promise<InboundResult> {
  const u = new URL(url);
  if (u.protocol !== 'http:' || (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost')) {
    return Promise.reject(new Error(`slack-sim only sends to http://127.0.0.1, not ${url}`));
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: h,
            ms: performance.now() - started,
          });
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('slack-sim inbound request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * POSTs `body` signed like Slack. `opts` can forge (`signature`, `secret`), age or future-date
 * (`timestamp`), add headers (e.g. `X-Slack-Retry-Num`) or drop them (value `null`).
 */
export function sendSigned(secret: string, url: string, body: string, contentType: string, opts: SignOptions = {}): Promise<InboundResult> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': opts.signature ?? slackSignature(opts.secret ?? secret, ts, body),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    const key = k.toLowerCase();
    if (v === null) delete headers[key];
    else headers[key] = v;
  }
  return postRaw(url, body, headers);
}
