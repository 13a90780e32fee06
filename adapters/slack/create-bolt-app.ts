import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { Settings } from '../../src/config/read-settings.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { toBoltLogger } from './bolt-logger.ts';
import { SLACK_BODY_LIMIT, SLACK_EVENTS_PATH } from './slack-http-mount.ts';

export interface BoltOptions {
  /**
   * Socket Mode ping timeout; reconnect delays are multiples of it. Below ~6 s a slow event loop
   * drops healthy connections. @defaultValue 10000
   */
  clientPingTimeoutMs?: number;
  /** Retries of Web API calls made by Bolt's own client (auth.test, ephemeral answers). @defaultValue 3 */
  retries?: number;
}

export type BoltApp =
  | { transport: 'http'; app: App; receiver: HTTPReceiver }
  | { transport: 'socket'; app: App; receiver: SocketModeReceiver };

/**
 * Builds the Bolt app for the configured transport: Socket Mode when an app-level token is
 * set, otherwise HTTP with the signing secret (its receiver is mounted on voxoz's server, it
 * never listens by itself). Every App gets fresh option objects: Bolt mutates clientOptions.
 */
export function createBoltApp(slack: NonNullable<Settings['slack']>, log: Logger, opts: BoltOptions = {}): BoltApp {
  const logger = toBoltLogger(log);
  const clientOptions = () => ({
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    retryConfig: { retries: opts.retries ?? 3, factor: 2, minTimeout: 500, maxTimeout: 5000 },
  });
  if (slack.appToken) {
    const receiver = new SocketModeReceiver({
      appToken: slack.appToken,
      logger,
      clientPingTimeout: opts.clientPingTimeoutMs ?? 10_000,
      installerOptions: { clientOptions: clientOptions() },
    });
    return { transport: 'socket', receiver, app: new App({ token: slack.botToken, receiver, logger, clientOptions: clientOptions() }) };
  }
  if (!slack.signingSecret) throw new Error('Slack HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode)');
  // The mount reads (and caps) the body before Bolt; Bolt's own limit is a second guard at the same size.
  const receiver = new HTTPReceiver({
    signingSecret: slack.signingSecret,
    endpoints: SLACK_EVENTS_PATH,
    logger,
    bodyLimit: SLACK_BODY_LIMIT,
  });
  return { transport: 'http', receiver, app: new App({ token: slack.botToken, receiver, logger, clientOptions: clientOptions() }) };
}
