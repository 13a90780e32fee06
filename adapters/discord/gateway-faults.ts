import { Events, type Client } from 'discord.js';
import type { Logger } from '../../src/observability/logger.ts';

/** Why Discord closed the gateway for good, and what to do about it. */
export const FATAL_CLOSE_CODES: Record<number, string> = {
  4004: 'authentication failed: DISCORD_TOKEN is wrong or was reset; copy the bot token from the Developer Portal',
  4010: 'invalid shard: voxoz runs one shard; check nothing else sets a shard',
  4011: 'sharding required: the bot is in too many guilds for one shard',
  4012: 'invalid API version: discord.js and Discord disagree on the gateway version; upgrade discord.js',
  4013: 'invalid intents: the intents bitfield is malformed',
  4014: 'disallowed intents: a privileged intent was requested that the application is not allowed (voxoz needs none)',
};

/**
 * Logs the gateway's life. discord.js resumes on its own after op 7 Reconnect, op 9 Invalid
 * Session and resumable close codes (missed events are replayed, so nothing is lost or doubled);
 * on a fatal close code it stops reconnecting, and this says why, once, at error level.
 * Returns the codes seen, for tests and health checks.
 */
export function watchGateway(client: Client, log: Logger): { fatal: () => number | undefined } {
  let fatal: number | undefined;
  client.on(Events.ShardDisconnect, (event) => {
    fatal = event.code;
    log.error('discord gateway closed and will not reconnect', {
      code: event.code,
      why: FATAL_CLOSE_CODES[event.code] ?? 'unrecoverable close code',
    });
  });
  client.on(Events.ShardReconnecting, () => log.info('discord gateway reconnecting'));
  client.on(Events.ShardResume, (_id, replayed) => log.info('discord gateway resumed', { replayed }));
  client.on(Events.ShardError, (err) => log.warn('discord gateway error', { err: err.message }));
  client.on(Events.Error, (err) => log.warn('discord client error', { err: err.message }));
  return { fatal: () => fatal };
}
