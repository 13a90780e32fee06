import { DEPLOY_STEPS, type DeployStep } from '../drivers/deploy-steps.ts';
import { parseRedisUrl } from '../store/redis-url.ts';
/**
 * The one place that reads the process environment. Everything else receives `Settings`.
 * Each default is stated where it is declared.
 */
export interface Settings {
  /**
   * REDIS_URL: redis://, rediss://, a unix socket path, or a Sentinel group
   * (redis+sentinel://host1:26379,host2:26379/<master-name>[/<db>]; see store/redis-url.ts).
   * Unset: voxoz starts its own redis-server with data under `dataDir`.
   */
  redisUrl?: string;
  /** DOCKER_HOST. Unset: /var/run/docker.sock, or a private dockerd voxoz starts as root. */
  dockerHost?: string;
  /**
   * VOXOZ_DOCKER_ENGINE: `local` or `remote`, where the engine at DOCKER_HOST runs. Unset: a
   * unix socket or a loopback tcp:// is local, tcp:// or ssh:// to another host remote (see
   * `engineLocation`). Mark a unix socket that leads elsewhere (a tunnel) `remote`.
   */
  dockerEngine?: 'local' | 'remote';
  /** VOXOZ_CONFIG. @defaultValue "./voxoz.yml" */
  configFile: string;
  /** PORT for the HTTP server (local API, web page, Slack/Discord HTTP endpoints). @defaultValue 3000 */
  port: number;
  /** HOST the HTTP server binds. @defaultValue "127.0.0.1" */
  host: string;
  /** VOXOZ_DATA_DIR: own redis data, private dockerd, build scratch. @defaultValue ".voxoz" */
  dataDir: string;
  /** VOXOZ_QUEUE: BullMQ queue name and Redis key prefix. @defaultValue "voxoz" */
  queueName: string;
  /** VOXOZ_LOG_LEVEL: debug | info | warn | error. @defaultValue "info" */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** VOXOZ_LOG_FORMAT: `json` (one object per line) or `pretty` (readable lines). @defaultValue pretty on a terminal, else json */
  logFormat?: 'json' | 'pretty';
  /**
   * VOXOZ_CRASH_AT: a test hook. A worker started with it SIGKILLs itself when a deploy reaches
   * that step (one of DEPLOY_STEPS), so the kill -9 tests can crash at an exact point. @defaultValue unset
   */
  crashAt?: DeployStep;
  /**
   * VOXOZ_AUDIT_KEY: the audit trail's MAC key (at least 32 characters; give every bot process the
   * same one). @defaultValue unset: `<data dir>/audit/key`, made on first use
   */
  auditKey?: string;
  slack?: {
    botToken: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
    /**
     * SLACK_TEAM_IDS (comma-separated, e.g. `T0123ABCD,T0456EFGH`): the workspaces voxoz serves;
     * commands, clicks and mentions from any other are refused. @defaultValue unset: every
     * workspace that reaches it (as before; a warning says so at start). Either way a Slack
     * Connect member from another organisation is refused unless their team is listed.
     */
    teamIds?: string[];
  };
  discord?: {
    token: string;
    applicationId: string;
    apiUrl?: string;
    publicKey?: string;
    /** DISCORD_GUILD_ID: register /voxoz in that guild only (instant), instead of globally. @defaultValue unset: global */
    guildId?: string;
    /**
     * DISCORD_GUILD_IDS (comma-separated snowflakes): the guilds voxoz serves; interactions from
     * any other are refused (DMs always are). @defaultValue unset: every guild (as before; a
     * warning says so at start). Must include DISCORD_GUILD_ID when both are set.
     */
    guildIds?: string[];
  };
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`voxoz cannot start; fix the environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const SNOWFLAKE = /^\d{15,22}$/;
/** A workspace id: "T" and upper-case letters or digits. */
const SLACK_TEAM = /^T[A-Z0-9]{2,20}$/;

/** A comma-separated id list: undefined when unset or blank; every entry must match `format`. */
function idList(name: string, raw: string | undefined, format: RegExp, what: string, problems: string[]): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const ids = raw.split(',').map((id) => id.trim());
  const bad = ids.filter((id) => !format.test(id));
  if (bad.length > 0)
    problems.push(`${name} must be a comma-separated list of ${what}; these are not: ${bad.map((b) => `"${b}"`).join(', ')}`);
  return [...new Set(ids)];
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const problems: string[] = [];
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be 0..65535, got "${env.PORT}"`);
  const logLevel = (env.VOXOZ_LOG_LEVEL ?? 'info') as Settings['logLevel'];
  const dockerEngine = env.VOXOZ_DOCKER_ENGINE || undefined;
  if (dockerEngine !== undefined && dockerEngine !== 'local' && dockerEngine !== 'remote')
    problems.push(`VOXOZ_DOCKER_ENGINE must be "local" or "remote" (where the engine at DOCKER_HOST runs), got "${dockerEngine}"`);
  if (!LEVELS.includes(logLevel)) problems.push(`VOXOZ_LOG_LEVEL must be one of ${LEVELS.join(', ')}, got "${env.VOXOZ_LOG_LEVEL}"`);
  const logFormat = env.VOXOZ_LOG_FORMAT || undefined;
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty')
    problems.push(`VOXOZ_LOG_FORMAT must be "json" or "pretty" (unset: pretty on a terminal, json elsewhere), got "${logFormat}"`);
  const redisUrl = env.REDIS_URL ? parseRedisUrl(env.REDIS_URL) : undefined;
  if (redisUrl && !redisUrl.ok) for (const problem of redisUrl.problems) problems.push(`REDIS_URL ${problem}`);
  const queueName = env.VOXOZ_QUEUE ?? 'voxoz';
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(queueName))
    problems.push(`VOXOZ_QUEUE must be lowercase letters, digits and dashes, got "${queueName}"`);

  const auditKey = env.VOXOZ_AUDIT_KEY || undefined;
  if (auditKey !== undefined && auditKey.length < 32)
    problems.push(
      `VOXOZ_AUDIT_KEY must be at least 32 characters (a random string, e.g. from openssl rand -hex 32), got ${auditKey.length}`,
    );
  const crashAt = env.VOXOZ_CRASH_AT || undefined;
  if (crashAt !== undefined && !(DEPLOY_STEPS as ReadonlyArray<string>).includes(crashAt))
    problems.push(`VOXOZ_CRASH_AT must be one of ${DEPLOY_STEPS.join(', ')}, got "${crashAt}"`);
  let slack: Settings['slack'];
  if (env.SLACK_BOT_TOKEN || env.SLACK_APP_TOKEN || env.SLACK_SIGNING_SECRET) {
    if (!env.SLACK_BOT_TOKEN?.startsWith('xoxb-'))
      problems.push('SLACK_BOT_TOKEN must be set to the bot token (it starts with "xoxb-") when any SLACK_* variable is set');
    if (env.SLACK_APP_TOKEN && !env.SLACK_APP_TOKEN.startsWith('xapp-'))
      problems.push('SLACK_APP_TOKEN must be an app-level token starting with "xapp-" (Socket Mode)');
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET)
      problems.push('set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)');
    const teamIds = idList('SLACK_TEAM_IDS', env.SLACK_TEAM_IDS, SLACK_TEAM, 'Slack team ids (e.g. T0123ABCD)', problems);
    slack = {
      botToken: env.SLACK_BOT_TOKEN ?? '',
      signingSecret: env.SLACK_SIGNING_SECRET,
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: env.SLACK_API_URL,
      ...(teamIds ? { teamIds } : {}),
    };
  }
  let discord: Settings['discord'];
  if (env.DISCORD_TOKEN || env.DISCORD_APPLICATION_ID) {
    if (!env.DISCORD_TOKEN) problems.push('DISCORD_TOKEN must be set when DISCORD_APPLICATION_ID is');
    if (!SNOWFLAKE.test(env.DISCORD_APPLICATION_ID ?? ''))
      problems.push('DISCORD_APPLICATION_ID must be the numeric application id (a snowflake)');
    if (env.DISCORD_PUBLIC_KEY && !/^[0-9a-f]{64}$/i.test(env.DISCORD_PUBLIC_KEY))
      problems.push('DISCORD_PUBLIC_KEY must be 64 hex characters');
    if (env.DISCORD_GUILD_ID && !SNOWFLAKE.test(env.DISCORD_GUILD_ID))
      problems.push('DISCORD_GUILD_ID must be the numeric guild id (a snowflake)');
    const guildIds = idList('DISCORD_GUILD_IDS', env.DISCORD_GUILD_IDS, SNOWFLAKE, 'numeric guild ids (snowflakes)', problems);
    if (guildIds && env.DISCORD_GUILD_ID && !guildIds.includes(env.DISCORD_GUILD_ID))
      problems.push(`DISCORD_GUILD_IDS must include DISCORD_GUILD_ID (${env.DISCORD_GUILD_ID}), where /voxoz is registered`);
    discord = {
      token: env.DISCORD_TOKEN ?? '',
      applicationId: env.DISCORD_APPLICATION_ID ?? '',
      apiUrl: env.DISCORD_API_URL,
      publicKey: env.DISCORD_PUBLIC_KEY,
      guildId: env.DISCORD_GUILD_ID || undefined,
      ...(guildIds ? { guildIds } : {}),
    };
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return {
    redisUrl: env.REDIS_URL || undefined,
    dockerHost: env.DOCKER_HOST || undefined,
    ...(dockerEngine ? { dockerEngine: dockerEngine as 'local' | 'remote' } : {}),
    configFile: env.VOXOZ_CONFIG ?? './voxoz.yml',
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: env.VOXOZ_DATA_DIR ?? '.voxoz',
    queueName,
    logLevel,
    ...(logFormat === 'json' || logFormat === 'pretty' ? { logFormat } : {}),
    ...(crashAt ? { crashAt: crashAt as DeployStep } : {}),
    ...(auditKey ? { auditKey } : {}),
    slack,
    discord,
  };
}
