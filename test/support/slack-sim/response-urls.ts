/**
 * `POST /response/:id`: the response_url of slash commands and block actions (Bolt's
 * `respond()`). Records every post; like Slack, allows 5 uses and checks the message.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkBlocks } from './blocks.ts';
import type { SimContext } from './context.ts';
import { readBody } from './http-util.ts';

/** Uses Slack allows per response_url. */
export const RESPONSE_URL_USES = 5;

/** Validates a response_url body; returns a refusal reason or undefined. */
function refusal(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'invalid_payload';
  const b = body as Record<string, unknown>;
  if (b.delete_original === true || b.delete_original === 'true') return undefined;
  const blocks = checkBlocks(b.blocks);
  if (!blocks.ok) return 'invalid_blocks';
  const text = typeof b.text === 'string' ? b.text : '';
  if (text === '' && !blocks.blocks?.length && !Array.isArray(b.attachments)) return 'no_text';
  if (text.length > 40_000) return 'msg_too_long';
  return undefined;
}

/** Handles one post to a response_url. */
export async function handleResponseUrl(ctx: SimContext, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const list = ctx.store.responseUrls.get(id);
  const raw = await readBody(req);
  if (req.method !== 'POST' || !list) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('invalid_url');
    return;
  }
  const contentType = req.headers['content-type'];
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    body = raw.toString('utf8');
  }
  let error = list.filter((p) => p.status === 200).length >= RESPONSE_URL_USES ? 'used_url' : refusal(body);
  if (!error && !(contentType ?? '').toLowerCase().startsWith('application/json')) error = 'invalid_payload';
  const status = error === undefined ? 200 : error === 'used_url' ? 404 : 400;
  list.push({ at: Date.now(), body, contentType, status, ...(error ? { error } : {}) });
  res.writeHead(status, { 'content-type': 'text/plain' }).end(error ?? 'ok');
}
