import type { Dashboard } from '../../src/dashboard/dashboard.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import { readBody, sendJson, type HttpMount } from '../../src/http/http-server.ts';
import { followAllThreads, followThread } from './follow-thread.ts';
import { COMMAND_CHANNEL, newThreadId, type LocalChat } from './local-chat.ts';
import { localPage } from './local-page.ts';
import { checkLocalAccess, cookieToken, TOKEN_COOKIE } from './local-access.ts';
import { sameToken } from './local-token.ts';
import type { ReloadResult } from '../../src/lifecycle/reload-config.ts';
import { cleanReason, REASON_MAX } from '../reject-reason.ts';

const USER = /^[A-Za-z0-9._-]{1,32}$/;
/** Longest a command's answer waits for its thread to be written before it is sent in the response instead. @defaultValue 2000 */
const THREAD_WRITE_MS = 2000;

/** True when `p` resolves within `ms`. */
const landsWithin = (p: Promise<unknown>, ms: number) =>
  new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    p.then(
      () => resolve(true),
      () => resolve(false),
    ).finally(() => clearTimeout(timer));
  });

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

/** Answers the refusal when the request may not use the local API; true when it was refused. */
function refused(req: IncomingMessage, res: ServerResponse, token: string, needsToken = true): boolean {
  const access = checkLocalAccess(req, token, { token: needsToken });
  if (access.ok) return false;
  req.resume();
  sendJson(res, access.status, { error: access.error });
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
 * POST /local/interactions {user, action, value, reason?} (button presses; a Reject's reason); POST /local/reload;
 * GET / (a small web page). Every route but /healthz passes checkLocalAccess first.
 */
export interface LocalControl {
  /** Re-reads voxoz.yml (`voxoz reload`). */
  reload(): ReloadResult;
}

export function localRoutes(
  chat: LocalChat,
  dispatcher: Dispatcher,
  token: string,
  control?: LocalControl,
  dashboard?: Dashboard,
): HttpMount[] {
  const api: HttpMount = {
    prefix: '/local',
    async handle(req, res, url) {
      if (refused(req, res, token)) return true;
      if (req.method === 'POST' && url.pathname === '/local/reload' && control) {
        req.resume();
        const result = control.reload();
        sendJson(res, result.ok ? 200 : 422, result);
        return true;
      }
      if (req.method === 'POST' && url.pathname === '/local/commands') {
        const body = await readJson(req, res);
        if (!body || !checkUser(res, body.user)) return true;
        if (typeof body.text !== 'string') {
          sendJson(res, 400, { error: '"text" must be the command as a string, e.g. "deploy hello"' });
          return true;
        }
        // The thread is written while the command is dispatched (the dispatcher answers within its own deadline).
        const thread = { id: newThreadId() };
        const opened = chat.openThread(body.user, body.text, COMMAND_CHANNEL, thread.id);
        opened.catch(() => undefined);
        const outcome = await dispatcher.handle({
          platform: 'local',
          user: { id: `local:${body.user}`, name: body.user },
          conversation: 'local',
          text: body.text,
          receivedAt: dispatcher.now(),
          meta: { thread: thread.id },
        });
        const written = opened.then(() => (outcome.type === 'answer' ? chat.answer(thread.id, outcome.reply) : undefined));
        if (outcome.type === 'answer' && !(await landsWithin(written, THREAD_WRITE_MS))) {
          // Redis does not answer: there is no thread to follow, so the answer comes back here.
          sendJson(res, 503, { error: 'the local chat cannot store threads: Redis does not answer', answer: outcome.reply });
          return true;
        }
        sendJson(res, 202, { thread: thread.id, ...(outcome.type === 'queued' ? { job: outcome.jobId } : {}) });
        return true;
      }
      if (req.method === 'POST' && url.pathname === '/local/interactions') {
        const body = await readJson(req, res);
        if (!body || !checkUser(res, body.user)) return true;
        if (typeof body.action !== 'string' || typeof body.value !== 'string') {
          sendJson(res, 400, { error: '"action" and "value" must be strings (a button\'s id and value)' });
          return true;
        }
        if (body.reason !== undefined && (typeof body.reason !== 'string' || Array.from(body.reason).length > REASON_MAX)) {
          sendJson(res, 400, { error: `"reason" must be a string of at most ${REASON_MAX} characters (why a Reject rejects)` });
          return true;
        }
        const reason = cleanReason(body.reason);
        const reply = await dispatcher.interact({
          platform: 'local',
          user: { id: `local:${body.user}`, name: body.user },
          conversation: 'local',
          action: body.action,
          value: body.value,
          deliveryId: crypto.randomUUID(),
          ...(reason ? { reason } : {}),
        });
        sendJson(res, 200, { reply });
        return true;
      }
      // GET /local/events → every thread's events from now on (the web console's one stream).
      if (req.method === 'GET' && url.pathname === '/local/events') {
        followAllThreads(chat, res);
        return true;
      }
      // GET /local/dashboard → every app environment now and the jobs running or waiting; …/chart.png the last 14 days.
      if (req.method === 'GET' && dashboard && url.pathname === '/local/dashboard') {
        sendJson(res, 200, await dashboard.read());
        return true;
      }
      if (req.method === 'GET' && dashboard && url.pathname === '/local/dashboard/chart.png') {
        const chart = await dashboard.chart();
        res.writeHead(200, { 'content-type': chart.contentType, 'content-length': chart.data.length, 'cache-control': 'no-store' });
        res.end(chart.data);
        return true;
      }
      // GET /local/channels/:name/threads → a channel's threads, newest first (system jobs open theirs there).
      const channel = /^\/local\/channels\/([a-z0-9][a-z0-9._-]{0,39})\/threads$/.exec(url.pathname);
      if (req.method === 'GET' && channel) {
        sendJson(res, 200, { threads: await chat.threadsIn(channel[1]!) });
        return true;
      }
      const match = /^\/local\/threads\/([A-Za-z0-9-]{1,40})(\/events)?$/.exec(url.pathname);
      if (req.method !== 'GET' || !match) return false;
      const thread = match[2] ? undefined : await chat.thread(match[1]!);
      if (match[2] ? !(await followThread(chat, match[1]!, res)) : !thread) {
        sendJson(res, 404, { error: `there is no thread ${match[1]}` });
        return true;
      }
      if (thread) sendJson(res, 200, thread);
      return true;
    },
  };
  const page: HttpMount = {
    prefix: '/',
    handle(req, res, url) {
      // (/healthz, /readyz and /metrics are served beside it: src/http/health-routes.ts.)
      if (req.method !== 'GET' || url.pathname !== '/') return false;
      if (refused(req, res, token, false)) return true;
      const given = url.searchParams.get('token') ?? undefined;
      if (!sameToken(given, token) && !sameToken(cookieToken(req), token)) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(
          'voxoz: open the address voxoz printed when it started (it ends in ?token=...); the token is also in the data dir, in local-token.\n',
        );
        return true;
      }
      if (given) {
        // Trade the address's token for the cookie, so the token does not stay in the address bar or history.
        res.writeHead(303, {
          location: '/',
          'set-cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
        });
        res.end();
        return true;
      }
      const headers: Record<string, string> = {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
        'content-security-policy':
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      };
      res.writeHead(200, headers);
      res.end(localPage());
      return true;
    },
  };
  return [api, page];
}
