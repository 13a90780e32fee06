import type { Settings } from '../../src/config/read-settings.ts';
import type { ChatAdapter } from '../../src/core/chat-adapter.ts';
import type { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import type { Logger } from '../../src/observability/logger.ts';
import type { RelayLimits } from '../../src/relay/chat-surface.ts';
import { createBoltApp, type BoltApp, type BoltOptions } from './create-bolt-app.ts';
import { registerHandlers } from './register-handlers.ts';
import { slackHttpMount } from './slack-http-mount.ts';
import { createSlackSurface } from './slack-surface.ts';
import { slackScope } from './team-scope.ts';

export interface SlackAdapterDeps {
  slack: NonNullable<Settings['slack']>;
  dispatcher: Dispatcher;
  log: Logger;
  bolt?: BoltOptions;
  limits?: RelayLimits;
  ackBudgetMs?: number;
}

/** How long stop() waits for a reconnecting Socket Mode client before stopping it anyway. @defaultValue 5000 */
const STOP_WAIT_MS = 5000;

/**
 * Slack for voxoz: Bolt receives commands, clicks and mentions (HTTP at /slack/events on the
 * shared server, or Socket Mode), the relay posts through a surface with its own Web API client.
 */
export function createSlackAdapter(deps: SlackAdapterDeps): ChatAdapter & { bolt: BoltApp } {
  const log = deps.log.child({ part: 'slack' });
  const bolt = createBoltApp(deps.slack, log, deps.bolt);
  registerHandlers(bolt.app, {
    dispatcher: deps.dispatcher,
    log,
    scope: slackScope(deps.slack.teamIds),
    ...(deps.ackBudgetMs ? { ackBudgetMs: deps.ackBudgetMs } : {}),
  });
  const surface = createSlackSurface({
    botToken: deps.slack.botToken,
    apiUrl: deps.slack.apiUrl,
    log,
    ...(deps.limits ? { limits: deps.limits } : {}),
  });
  let started = false;
  return {
    bolt,
    surface,
    mounts: bolt.transport === 'http' ? [slackHttpMount(bolt.receiver)] : [],
    async start() {
      // Fails fast on a wrong token or API URL instead of at the first command.
      const auth = await bolt.app.client.auth.test();
      log.info('slack connected', { team: auth.team_id, bot: auth.user_id, transport: bolt.transport });
      const teams = deps.slack.teamIds;
      if (!teams)
        log.warn(
          'voxoz serves every Slack workspace that reaches it (SLACK_TEAM_IDS is unset); set SLACK_TEAM_IDS to the workspaces it should serve',
        );
      else if (auth.team_id && !teams.includes(auth.team_id))
        log.warn("the bot token's own workspace is not in SLACK_TEAM_IDS: voxoz refuses everything from it", {
          team: auth.team_id,
          teamIds: teams,
        });
      if (bolt.transport === 'socket') await bolt.app.start();
      started = true;
    },
    connected: () => started && (bolt.transport !== 'socket' || Boolean(bolt.receiver.client.websocket?.isActive())),
    async stop() {
      if (!started || bolt.transport !== 'socket') return;
      started = false;
      // Stopping a client in the middle of a reconnect rejects a promise nobody awaits and takes
      // the process down: let it finish connecting first.
      const client = bolt.receiver.client;
      if (!client.websocket?.isActive()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, STOP_WAIT_MS);
          client.once('connected', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      await bolt.app.stop().catch((err: unknown) => log.warn('slack socket mode stop failed', { err }));
    },
  };
}
