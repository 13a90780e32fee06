import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import { readBody, sendJson, type HttpMount } from '../../src/http/http-server.ts';
import type { LocalChat, LocalChatEvent } from './local-chat.ts';
import { localPage } from './local-page.ts';

const USER = /^[A-Za-z0-9._-]{1,32}$/;
/** Largest request body accepted. @defaultValue 16 KiB */
const BODY_LIMIT = 16 * 1024;

async function readJson(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse((await readBody(req, BODY_LIMIT)).toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    sendJson(res, 400, { error: 'the body must be a JSON object' });
  } catch (err) {
    const status = (err as { status?: number }).status ?? 400;
    sendJson(res, status, { error: status === 413 ? `the body is larger than ${BODY_LIMIT} bytes` : 'the body is not valid JSON' });
  }
  return undefined;
}

/** The local API has no login: it answers only connections from this machine. */
export function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || /^(::ffff:)?127\./.test(address));
}

function refuseRemote(req: IncomingMessage, res: ServerResponse): boolean {
  if (isLoopback(req.socket.remoteAddress)) return false;
  sendJson(res, 403, { error: 'the local chat API answers only connections from this machine; use Slack or Discord from elsewhere' });
  return true;
}

function checkUser(res: ServerResponse, user: unknown): user is string {
  if (typeof user === 'string' && USER.test(user)) return true;
  sendJson(res, 400, { error: '"user" must be 1..32 letters, digits, ".", "_" or "-"' });
  return false;
}

/**
 * The local adapter's HTTP API: POST /local/commands {user, text} → {thread};
 * GET /local/threads/:id; GET /local/threads/:id/events (server-sent events);
 * POST /local/interactions {user, action, value} (button presses); GET / (a small web page).
 */
export function localRoutes(chat: LocalChat, dispatcher: Dispatcher): HttpMount[] {
  const api: HttpMount = {
    prefix: '/local',
    async handle(req, res, url) {
      if (refuseRemote(req, res)) return true;
      if (req.method === 'POST' && url.pathname === '/local/commands') {
        const body = await readJson(req, res);
        if (!body || !checkUser(res, body.user)) return true;
        if (typeof body.text !== 'string') { sendJson(res, 400, { error: '"text" must be the command as a string, e.g. "deploy hello"' }); return true; }
        const thread = chat.openThread(body.user, body.text);
        const outcome = await dispatcher.handle({
          platform: 'local', user: { id: `local:${body.user}`, name: body.user }, conversation: 'local',
          text: body.text, receivedAt: new Date(), meta: { thread: thread.id },
        });
        if (outcome.type === 'answer') chat.answer(thread.id, outcome.reply);
        sendJson(res, 202, { thread: thread.id, ...(outcome.type === 'queued' ? { job: outcome.jobId } : {}) });
        return true;
      }
      if (req.method === 'POST' && url.pathname === '/local/interactions') {
        const body = await readJson(req, res);
        if (!body || !checkUser(res, body.user)) return true;
        if (typeof body.action !== 'string' || typeof body.value !== 'string') { sendJson(res, 400, { error: '"action" and "value" must be strings (a button\'s id and value)' }); return true; }
        const reply = await dispatcher.interact({ platform: 'local', user: { id: `local:${body.user}`, name: body.user }, conversation: 'local', action: body.action, value: body.value, deliveryId: crypto.randomUUID() });
        sendJson(res, 200, { reply });
        return true;
      }
      const match = /^\/local\/threads\/([A-Za-z0-9-]{1,40})(\/events)?$/.exec(url.pathname);
      if (req.method !== 'GET' || !match) return false;
      const thread = chat.thread(match[1]!);
      if (!thread) { sendJson(res, 404, { error: `there is no thread ${match[1]}` }); return true; }
      if (!match[2]) { sendJson(res, 200, thread); return true; }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const send = (event: LocalChatEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      for (const message of thread.messages) send({ type: 'message', thread: thread.id, message });
      if (thread.state === 'done') { send({ type: 'end', thread: thread.id, outcome: thread.outcome ?? 'done' }); res.end(); return true; }
      const listener = (event: LocalChatEvent) => {
        if (event.thread !== thread.id) return;
        send(event);
        if (event.type === 'end') res.end();
      };
      chat.on('event', listener);
      res.once('close', () => chat.off('event', listener));
      return true;
    },
  };
  const page: HttpMount = {
    prefix: '/',
    handle(req, res, url) {
      if (req.method !== 'GET' || (url.pathname !== '/' && url.pathname !== '/healthz')) return false;
      if (url.pathname === '/healthz') { sendJson(res, 200, { ok: true }); return true; }
      if (refuseRemote(req, res)) return true;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'" });
      res.end(localPage());
      return true;
    },
  };
  return [api, page];
}
