import { InteractionContextType } from 'discord-api-types/v10';

/** The fields of an interaction that say where it happened. */
export interface InteractionPlace {
  guild_id?: string;
  /** 0 guild, 1 DM with the bot, 2 a group DM or another DM (user-installed apps). */
  context?: number;
}

/**
 * Why voxoz does not serve an interaction from here, or undefined when it does. Only guilds:
 * a DM has no members, roles or channel to post a job in, and voxoz registers /voxoz for
 * guilds only, so a DM interaction is stale or forged. With DISCORD_GUILD_IDS set (`guildIds`),
 * only those guilds; unset, every guild the bot is in.
 */
export function guildRefusal(place: InteractionPlace, guildIds: readonly string[] | undefined): string | undefined {
  if (!place.guild_id || (place.context !== undefined && place.context !== InteractionContextType.Guild))
    return 'voxoz works in servers only, not in direct messages';
  if (guildIds && !guildIds.includes(place.guild_id)) return `this server (${place.guild_id}) is not one this voxoz serves`;
  return undefined;
}
