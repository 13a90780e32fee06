import type { APIApplication, ApplicationFlags, APIApplicationCommand, RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import { botUser } from './entities.ts';
import { apiError, ErrorCode, ErrorCollector } from './errors.ts';
import type { RouteDef, RouteRequest } from './router.ts';
import type { SimContext } from './store.ts';
import { validateCommand, validateCommands } from './validate-commands.ts';

/** The application object (`GET /applications/@me`). */
export function application(ctx: SimContext): APIApplication {
  return {
    id: ctx.world.applicationId,
    name: 'voxoz-sim',
    icon: null,
    description: 'Discord simulator application',
    bot_public: false,
    bot_require_code_grant: false,
    bot: botUser(ctx.world),
    verify_key: '0'.repeat(64),
    team: null,
    summary: '',
    flags: 0 as ApplicationFlags,
    flags_new: '0',
    owner: { id: '1', username: 'owner', discriminator: '0', global_name: null, avatar: null },
  } satisfies APIApplication;
}

function appOr403(r: RouteRequest): void {
  if (r.params.app !== r.ctx.world.applicationId) throw apiError(403, ErrorCode.MissingAccess, 'Missing Access');
  const g = r.params.guild;
  if (g !== undefined && g !== r.ctx.world.guildId) throw apiError(403, ErrorCode.MissingAccess, 'Missing Access');
}

function toCommand(
  ctx: SimContext,
  raw: Record<string, unknown>,
  existing: APIApplicationCommand[],
  guildId?: string,
): APIApplicationCommand {
  const type = (raw.type ?? 1) as APIApplicationCommand['type'];
  const prev = existing.find((c) => c.name === raw.name && c.type === type);
  return {
    id: prev?.id ?? ctx.snowflake(),
    type,
    application_id: ctx.world.applicationId,
    ...(guildId ? { guild_id: guildId } : {}),
    name: String(raw.name),
    name_localizations: (raw.name_localizations ?? null) as APIApplicationCommand['name_localizations'],
    description: String(raw.description ?? ''),
    description_localizations: (raw.description_localizations ?? null) as APIApplicationCommand['description_localizations'],
    ...(Array.isArray(raw.options) ? { options: raw.options as APIApplicationCommand['options'] } : {}),
    default_member_permissions: (raw.default_member_permissions ?? null) as string | null,
    dm_permission: raw.dm_permission !== false,
    nsfw: raw.nsfw === true,
    integration_types: (raw.integration_types ?? [0]) as APIApplicationCommand['integration_types'],
    contexts: (raw.contexts ?? null) as APIApplicationCommand['contexts'],
    version: ctx.snowflake(),
  } satisfies APIApplicationCommand;
}

function listFor(r: RouteRequest): APIApplicationCommand[] {
  const { store } = r.ctx;
  return r.params.guild ? (store.commands.guild.get(r.params.guild) ?? []) : store.commands.global;
}

function save(r: RouteRequest, list: APIApplicationCommand[]): void {
  if (r.params.guild) r.ctx.store.commands.guild.set(r.params.guild, list);
  else r.ctx.store.commands.global.splice(0, Infinity, ...list);
}

const getCommands = (r: RouteRequest) => {
  appOr403(r);
  return { status: 200, body: listFor(r) };
};

const putCommands = (r: RouteRequest) => {
  appOr403(r);
  const valid = validateCommands(r.body.json);
  const list = valid.map((c) => toCommand(r.ctx, c, listFor(r), r.params.guild));
  save(r, list);
  return { status: 200, body: list };
};

const postCommand = (r: RouteRequest) => {
  appOr403(r);
  const errs = new ErrorCollector();
  const raw = r.body.json;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    errs.add([], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  else validateCommand(raw as Record<string, unknown>, errs, []);
  errs.throwIfAny();
  const list = listFor(r);
  const cmd = toCommand(r.ctx, raw as Record<string, unknown>, list, r.params.guild);
  const at = list.findIndex((c) => c.id === cmd.id);
  save(r, at === -1 ? [...list, cmd] : list.map((c, i) => (i === at ? cmd : c)));
  return { status: at === -1 ? 201 : 200, body: cmd };
};

const deleteCommand = (r: RouteRequest) => {
  appOr403(r);
  const list = listFor(r);
  if (!list.some((c) => c.id === r.params.cmd)) throw apiError(404, ErrorCode.UnknownApplicationCommand, 'Unknown application command');
  save(
    r,
    list.filter((c) => c.id !== r.params.cmd),
  );
  return { status: 204 };
};

/** `/gateway`, `/gateway/bot`, `/users/@me`, `/applications/@me` and application commands. */
export function appRoutes(gatewayUrl: () => string, sessionsRemaining: () => number): RouteDef[] {
  const base = { auth: true, global: true, bucket: 'default' } as const;
  const gatewayBot = (): RESTGetAPIGatewayBotResult => ({
    url: gatewayUrl(),
    shards: 1,
    session_start_limit: { total: 1000, remaining: sessionsRemaining(), reset_after: 86_400_000, max_concurrency: 1 },
  });
  return [
    { ...base, method: 'GET', pattern: '/gateway', auth: false, handler: () => ({ status: 200, body: { url: gatewayUrl() } }) },
    { ...base, method: 'GET', pattern: '/gateway/bot', handler: () => ({ status: 200, body: gatewayBot() }) },
    { ...base, method: 'GET', pattern: '/users/@me', handler: (r) => ({ status: 200, body: botUser(r.ctx.world) }) },
    { ...base, method: 'GET', pattern: '/applications/@me', handler: (r) => ({ status: 200, body: application(r.ctx) }) },
    { ...base, method: 'GET', pattern: '/applications/:app/commands', major: 'app', handler: getCommands },
    { ...base, method: 'PUT', pattern: '/applications/:app/commands', major: 'app', handler: putCommands },
    { ...base, method: 'POST', pattern: '/applications/:app/commands', major: 'app', handler: postCommand },
    { ...base, method: 'GET', pattern: '/applications/:app/guilds/:guild/commands', major: 'guild', handler: getCommands },
    { ...base, method: 'PUT', pattern: '/applications/:app/guilds/:guild/commands', major: 'guild', handler: putCommands },
    { ...base, method: 'POST', pattern: '/applications/:app/guilds/:guild/commands', major: 'guild', handler: postCommand },
    { ...base, method: 'DELETE', pattern: '/applications/:app/commands/:cmd', major: 'app', handler: deleteCommand },
    { ...base, method: 'DELETE', pattern: '/applications/:app/guilds/:guild/commands/:cmd', major: 'guild', handler: deleteCommand },
  ];
}
