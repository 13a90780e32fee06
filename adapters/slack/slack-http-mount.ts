import type { HTTPReceiver } from '@slack/bolt';
import { sendJson, type HttpMount } from '../../src/http/http-server.ts';

/** How far a request's timestamp may be from now, either way (Slack's own rule is 5 minutes). @defaultValue 300 s */
export const TIMESTAMP_TOLERANCE_S = 300;
/** The path Slack is configured to POST commands, interactivity and events to. */
export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * Mounts Bolt's HTTP receiver at POST /slack/events on voxoz's shared server. Bolt verifies the
 * signature and refuses timestamps older than 5 minutes; this adds the other direction: a
 * timestamp more than 5 minutes in the future is refused with 401 before Bolt sees it (a
 * replayed request with a forward-dated header must not be accepted later).
 */
export function slackHttpMount(receiver: HTTPReceiver, now: () => number = Date.now): HttpMount {
  return {
    prefix: '/slack',
    handle(req, res, url) {
      if (url.pathname !== SLACK_EVENTS_PATH) return false;
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: `${SLACK_EVENTS_PATH} takes POST requests from Slack` });
        return true;
      }
      const header = req.headers['x-slack-request-timestamp'];
      if (typeof header === 'string' && Number(header) > now() / 1000 + TIMESTAMP_TOLERANCE_S) {
        req.resume();
        res.writeHead(401).end();
        return true;
      }
      receiver.requestListener(req, res);
      return true;
    },
  };
}
