import type { IncomingMessage } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import { readBody, sendJson, type HttpMount } from '../../src/http/http-server.ts';

/** How far a request's timestamp may be from now, either way (Slack's own rule is 5 minutes). @defaultValue 300 s */
export const TIMESTAMP_TOLERANCE_S = 300;
/** The path Slack is configured to POST commands, interactivity and events to. */
export const SLACK_EVENTS_PATH = '/slack/events';
/**
 * Largest body accepted on /slack/events, read before Bolt sees the request (Bolt reads the
 * whole body before it checks the signature). Slack's own payloads are far smaller: a
 * block_actions payload carrying a 50-block message is well under 100 KiB. @defaultValue 1 MiB
 */
export const SLACK_BODY_LIMIT = 1024 * 1024;

/**
 * Mounts Bolt's HTTP receiver at POST /slack/events on voxoz's shared server. Before Bolt:
 * - a timestamp more than 5 minutes in the future is refused with 401 (Bolt refuses only old
 *   ones; a replayed request with a forward-dated header must not be accepted later);
 * - the body is read here, up to SLACK_BODY_LIMIT: a longer one (declared or streamed) gets
 *   413 and is never held in memory; the rest of it is drained and dropped, and a body that
 *   goes on far past the limit is cut off (readBody).
 * Bolt then gets the request with the body already read, as `rawBody`: its receiver uses a
 * request that carries `rawBody` instead of reading the stream (BufferedIncomingMessage).
 */
export function slackHttpMount(receiver: HTTPReceiver, now: () => number = Date.now): HttpMount {
  return {
    prefix: '/slack',
    async handle(req, res, url) {
      if (url.pathname !== SLACK_EVENTS_PATH) return false;
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: `${SLACK_EVENTS_PATH} takes POST requests from Slack` });
        return true;
      }
      const header = req.headers['x-slack-request-timestamp'];
      if (typeof header === 'string' && Number(header) > now() / 1000 + TIMESTAMP_TOLERANCE_S) {
        readBody(req, SLACK_BODY_LIMIT).catch(() => undefined); // drain (bounded), keep nothing
        res.writeHead(401).end();
        return true;
      }
      // `connection: close`: the rest of the body is not read; the socket closes once the answer is out.
      const tooLarge = () => {
        const text = JSON.stringify({ error: `the body is larger than ${SLACK_BODY_LIMIT} bytes` });
        res
          .writeHead(413, {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(text),
            connection: 'close',
          })
          .end(text);
      };
      if (Number(req.headers['content-length'] ?? 0) > SLACK_BODY_LIMIT) {
        tooLarge();
        return true;
      }
      let body: Buffer;
      try {
        body = await readBody(req, SLACK_BODY_LIMIT);
      } catch (err) {
        if ((err as { status?: number }).status === 413 && !res.headersSent) tooLarge();
        else if (!res.headersSent) res.writeHead(400).end();
        return true;
      }
      receiver.requestListener(Object.assign(req, { rawBody: body }) as IncomingMessage, res);
      return true;
    },
  };
}
