import {
  ChannelType,
  type APIGuildMember,
  type ChannelFlags,
  type GuildMemberFlags,
  type GuildSystemChannelFlags,
  type RoleFlags,
  type UserFlags,
  type APIRole,
  type APITextChannel,
  type APIThreadChannel,
  type APIUser,
  type GatewayGuildCreateDispatchData,
  type ThreadAutoArchiveDuration,
} from 'discord-api-types/v10';
import { isoAt } from './clock.ts';

/** The fixed identities of one simulated world: app, bot user, guild and its text channel. */
export interface World {
  applicationId: string;
  botUserId: string;
  guildId: string;
  channelId: string;
  botPermissions: bigint;
  createdAt: number;
}

/** The bot user (`GET /users/@me`, READY `user`, message authors). */
export function botUser(w: World): APIUser {
  return {
    id: w.botUserId,
    username: 'voxoz-sim',
    discriminator: '0000',
    global_name: null,
    avatar: null,
    bot: true,
    system: false,
    flags: 0 as UserFlags,
    public_flags: 0 as UserFlags,
    mfa_enabled: true,
    verified: true,
  } satisfies APIUser;
}

/** A human user for interactions; tests pick `id`/`username`. */
export function humanUser(id: string, username: string): APIUser {
  return {
    id,
    username,
    discriminator: '0',
    global_name: username,
    avatar: null,
    bot: false,
    public_flags: 0 as UserFlags,
  } satisfies APIUser;
}

/** The guild's @everyone role (id = guild id) carrying the bot's permissions. */
export function everyoneRole(w: World): APIRole {
  return {
    id: w.guildId,
    name: '@everyone',
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: 0,
    permissions: w.botPermissions.toString(),
    managed: false,
    mentionable: false,
    flags: 0 as RoleFlags,
  } satisfies APIRole;
}

/** A guild member record for `user`. */
export function member(w: World, user: APIUser): APIGuildMember {
  return {
    user,
    nick: null,
    avatar: null,
    banner: null,
    roles: [],
    joined_at: isoAt(w.createdAt),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  } satisfies APIGuildMember;
}

/** The guild text channel. */
export function textChannel(w: World): APITextChannel {
  return {
    id: w.channelId,
    type: ChannelType.GuildText,
    guild_id: w.guildId,
    name: 'deploys',
    position: 0,
    permission_overwrites: [],
    parent_id: null,
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    last_pin_timestamp: null,
    flags: 0 as ChannelFlags,
  } satisfies APITextChannel;
}

/** A public thread started from message `messageId` (its id equals the message id). */
export function threadChannel(
  w: World,
  parentId: string,
  messageId: string,
  name: string,
  autoArchive: ThreadAutoArchiveDuration,
  now: number,
): APIThreadChannel {
  return {
    id: messageId,
    type: ChannelType.PublicThread,
    guild_id: w.guildId,
    parent_id: parentId,
    name,
    owner_id: w.botUserId,
    last_message_id: null,
    rate_limit_per_user: 0,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    flags: 0 as ChannelFlags,
    nsfw: false,
    thread_metadata: {
      archived: false,
      auto_archive_duration: autoArchive,
      archive_timestamp: isoAt(now),
      locked: false,
      create_timestamp: isoAt(now),
    },
  } satisfies APIThreadChannel;
}

/** GUILD_CREATE payload: the guild with its channels, threads and the bot member. */
export function guildCreate(w: World, channels: APITextChannel[], threads: APIThreadChannel[]): GatewayGuildCreateDispatchData {
  return {
    id: w.guildId,
    name: 'voxoz-sim guild',
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: '1',
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [everyoneRole(w)],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US' as GatewayGuildCreateDispatchData['preferred_locale'],
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    hub_type: null,
    incidents_data: null,
    region: 'deprecated',
    joined_at: isoAt(w.createdAt),
    large: false,
    unavailable: false,
    member_count: 2,
    voice_states: [],
    members: [member(w, botUser(w))],
    channels,
    threads,
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  } satisfies GatewayGuildCreateDispatchData;
}
