import { randomBytes } from 'node:crypto';
import {
  ApplicationCommandType,
  ComponentType,
  InteractionType,
  type APIApplicationCommandAutocompleteGuildInteraction,
  type APIChatInputApplicationCommandGuildInteraction,
  type APIInteraction,
  type APIInteractionGuildMember,
  type APIMessageComponentButtonInteraction,
  type Locale,
} from 'discord-api-types/v10';
import { humanUser, member } from './entities.ts';
import { buildOptions, type OptionValues } from './interaction-options.ts';
import { modalSource, modalSubmitState, type ModalSubmitSpec } from './modal-submit.ts';
import type { InteractionState, SimContext } from './store.ts';
import { customIds } from './validate-components.ts';

/** Who clicks/types: defaults to user `100000000000000001` "alice". */
export interface SimUserSpec {
  id: string;
  username: string;
}

/** What `sendInteraction` dispatches. Commands must be registered; buttons must exist on the message; a modal must be open. */
export type InteractionSpec =
  | {
      kind: 'command';
      name: string;
      group?: string;
      subcommand?: string;
      options?: OptionValues;
      user?: SimUserSpec;
      channelId?: string;
      locale?: Locale;
      /**
       * Typed in a DM with the bot. Discord offers only global commands there, and only those whose
       * `contexts` include 1 (BOT_DM; unset means every context): otherwise this throws, as the
       * user could not have sent it. DM interactions themselves are not simulated further.
       */
      dm?: boolean;
    }
  | {
      kind: 'autocomplete';
      name: string;
      group?: string;
      subcommand?: string;
      options?: OptionValues;
      focused: string;
      user?: SimUserSpec;
      channelId?: string;
      locale?: Locale;
    }
  | { kind: 'button'; customId: string; messageId: string; user?: SimUserSpec; locale?: Locale }
  | ModalSubmitSpec;

/** Handle on a dispatched interaction. */
export interface SentInteraction {
  id: string;
  token: string;
  payload: APIInteraction;
}

const DEFAULT_USER: SimUserSpec = { id: '100000000000000001', username: 'alice' };

/** Builds the INTERACTION_CREATE payload and the server-side state for `spec`. */
export function buildInteraction(ctx: SimContext, spec: InteractionSpec): InteractionState {
  const w = ctx.world;
  const source = spec.kind === 'modal-submit' ? modalSource(ctx, spec) : undefined;
  const u = spec.user ?? (source ? { id: source.user.id, username: source.user.username } : DEFAULT_USER);
  const user = humanUser(u.id, u.username);
  const m: APIInteractionGuildMember = { ...member(w, user), user, permissions: '2248473465835073' };
  const channelId =
    spec.kind === 'button'
      ? (ctx.store.messages.get(spec.messageId)?.current.channel_id ?? '')
      : spec.kind === 'modal-submit'
        ? source!.channelId
        : (spec.channelId ?? w.channelId);
  const ch = ctx.store.channels.get(channelId);
  if (!ch) throw new Error(`sendInteraction: unknown channel ${channelId}`);
  const id = ctx.snowflake();
  const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(24).toString('base64url')}`;
  const base = {
    id,
    application_id: w.applicationId,
    token,
    version: 1 as const,
    guild_id: w.guildId,
    guild: { id: w.guildId, locale: 'en-US' as Locale, features: [] },
    channel_id: channelId,
    channel: ch,
    member: m,
    app_permissions: w.botPermissions.toString(),
    locale: spec.locale ?? ('en-US' as Locale),
    guild_locale: 'en-US' as Locale,
    entitlements: [],
    authorizing_integration_owners: { '0': w.guildId },
    context: 0 as const,
    attachment_size_limit: 10 * 1024 * 1024,
  };
  const state = { id, token, createdAt: ctx.clock.now(), channelId, user, messageIds: new Set<string>(), waiters: [] };
  if (spec.kind === 'modal-submit') return modalSubmitState(ctx, spec, source!, base, state);
  if (spec.kind === 'button') {
    const msg = ctx.store.messages.get(spec.messageId);
    if (!msg || msg.deleted) throw new Error(`sendInteraction: unknown message ${spec.messageId}`);
    if (!customIds(msg.current.components).includes(spec.customId))
      throw new Error(`sendInteraction: message has no component "${spec.customId}"`);
    const payload = {
      ...base,
      type: InteractionType.MessageComponent,
      data: { custom_id: spec.customId, component_type: ComponentType.Button },
      message: msg.current,
    } satisfies APIMessageComponentButtonInteraction;
    return { ...state, type: 3, payload, componentMessageId: msg.current.id };
  }
  const cmd = [...ctx.store.commands.global, ...(ctx.store.commands.guild.get(w.guildId) ?? [])].find(
    (c) => c.name === spec.name && c.type === ApplicationCommandType.ChatInput,
  );
  if (!cmd) throw new Error(`sendInteraction: /${spec.name} is not registered`);
  const offeredIn = (context: number) => (!cmd.guild_id ? ((cmd.contexts ?? [0, 1, 2]) as number[]).includes(context) : context === 0);
  if (spec.kind === 'command' && spec.dm) {
    if (!offeredIn(1))
      throw new Error(
        `sendInteraction: Discord does not offer /${spec.name} in DMs (${cmd.guild_id ? 'a guild command' : `contexts ${JSON.stringify(cmd.contexts)}`})`,
      );
    throw new Error('sendInteraction: DM interactions are not simulated beyond this check');
  }
  if (!offeredIn(0))
    throw new Error(`sendInteraction: Discord does not offer /${spec.name} in guilds (contexts ${JSON.stringify(cmd.contexts)})`);
  const options = buildOptions(cmd, { ...spec, ...(spec.kind === 'autocomplete' ? { focused: spec.focused } : {}) });
  const data = {
    id: cmd.id,
    name: cmd.name,
    type: ApplicationCommandType.ChatInput as const,
    options,
    ...(cmd.guild_id ? { guild_id: cmd.guild_id } : {}),
  };
  if (spec.kind === 'autocomplete') {
    const payload = {
      ...base,
      type: InteractionType.ApplicationCommandAutocomplete,
      data,
    } satisfies APIApplicationCommandAutocompleteGuildInteraction;
    return { ...state, type: 4, payload, commandName: cmd.name };
  }
  const payload = { ...base, type: InteractionType.ApplicationCommand, data } satisfies APIChatInputApplicationCommandGuildInteraction;
  return { ...state, type: 2, payload, commandName: cmd.name };
}
