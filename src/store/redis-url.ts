import type { RedisOptions } from 'ioredis';

/** Where voxoz's Redis is, as REDIS_URL says it. */
export type RedisTarget =
  /** One server: a redis:// or rediss:// URL or a unix socket path, handed to ioredis as written. */
  | { kind: 'server'; url: string; secrets: UrlSecret[] }
  /** A master found through Sentinel: the ioredis options that name the sentinels and the master. */
  | { kind: 'sentinel'; options: RedisOptions; secrets: UrlSecret[] };

/** A password in the URL, decoded, for masking: `name` is "the password" or "the sentinel password". */
export interface UrlSecret {
  name: string;
  value: string;
}

export type ParsedRedisUrl = { ok: true; target: RedisTarget } | { ok: false; problems: string[] };

/** The port a sentinel listens on when the URL names none. @defaultValue 26379 */
export const SENTINEL_PORT = 26379;

const SENTINEL_SCHEME = 'redis+sentinel://';
const SENTINEL_FORM = 'redis+sentinel://[:password@]host1:26379,host2:26379,host3:26379/<master-name>[/<db>]';
/** Query parameters the sentinel form takes: the sentinels' own credentials (when they differ from none). */
const SENTINEL_QUERY = ['sentinelPassword', 'sentinelUsername'] as const;

/**
 * Reads REDIS_URL: `redis://[[user]:password@]host[:port][/db]`, `rediss://…` (TLS), an absolute
 * unix socket path, or a Sentinel group, `redis+sentinel://[[user]:password@]host1[:port],host2[:port]/<master-name>[/<db>]`
 * (sentinel port 26379 by default; `?sentinelPassword=…&sentinelUsername=…` when the sentinels
 * ask for credentials of their own). The userinfo password is the master's and replicas'. Every
 * problem is listed, each saying what would be right; no problem quotes a password.
 * `secrets` are the passwords in it, decoded, for masking. Percent-encode reserved characters
 * in passwords (in the query a `+` reads as a space).
 */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  const text = url.trim();
  if (text.startsWith('/')) return { ok: true, target: { kind: 'server', url: text, secrets: [] } };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return parseServer(text);
  if (scheme === 'redis+sentinel') return parseSentinel(text);
  if (scheme === 'rediss+sentinel')
    return fail(
      `TLS to a Sentinel group (rediss+sentinel://) is not supported; use ${SENTINEL_FORM} on a trusted network, or rediss://host:port`,
    );
  return fail(`must be redis://host:6379, rediss://host:6379, an absolute unix socket path, or ${SENTINEL_FORM}; got "${shown(text)}"`);
}

/** The ioredis options of `url`, or an error listing every problem in it (`what` names the setting, e.g. "REDIS_URL"). */
export function redisTarget(url: string, what = 'the Redis URL'): RedisTarget {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) throw new Error(`${what} ${parsed.problems.join('; ')}`);
  return parsed.target;
}

function fail(...problems: string[]): ParsedRedisUrl {
  return { ok: false, problems };
}

/** The URL without its userinfo, for messages. */
function shown(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i, '$1');
}

function decoded(part: string, what: string, problems: string[]): string {
  try {
    return decodeURIComponent(part);
  } catch {
    problems.push(`${what} is not valid percent-encoding; encode reserved characters (e.g. "/" as %2F, "@" as %40)`);
    return '';
  }
}

function parseServer(text: string): ParsedRedisUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return fail(
      `is not a valid URL: "${shown(text)}"; write redis://[:password@]host:6379[/db], with reserved characters in the password percent-encoded`,
    );
  }
  const problems: string[] = [];
  if (!u.hostname) problems.push(`names no host: "${shown(text)}"; write redis://host:6379`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) problems.push(`has "/${db}" after the host, where a database number belongs (e.g. /0)`);
  const password = u.password ? decoded(u.password, 'the password', problems) : '';
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, target: { kind: 'server', url: text, secrets: password ? [{ name: 'the password', value: password }] : [] } };
}

function parseSentinel(text: string): ParsedRedisUrl {
  const problems: string[] = [];
  let rest = text.slice(SENTINEL_SCHEME.length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  if (q >= 0) rest = rest.slice(0, q);
  // The userinfo ends at the last "@" (a password may hold an unencoded one); the hosts at the next "/".
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : undefined;
  const afterUser = at >= 0 ? rest.slice(at + 1) : rest;
  const slash = afterUser.indexOf('/');
  const hostList = slash >= 0 ? afterUser.slice(0, slash) : afterUser;
  const path = slash >= 0 ? afterUser.slice(slash + 1) : '';

  const options: RedisOptions = {};
  const secrets: UrlSecret[] = [];
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const username = decoded(colon >= 0 ? userinfo.slice(0, colon) : userinfo, 'the user name', problems);
    const password = colon >= 0 ? decoded(userinfo.slice(colon + 1), 'the password', problems) : '';
    if (username) options.username = username;
    if (password) {
      options.password = password;
      secrets.push({ name: 'the password', value: password });
    }
  }

  const sentinels = parseHosts(hostList, problems);
  options.sentinels = sentinels;

  const [name = '', db, ...extra] = path.split('/');
  const master = decoded(name, 'the master name', problems);
  if (!master) problems.push(`names no master: put the master name the sentinels monitor after the hosts, as in ${SENTINEL_FORM}`);
  else if (/\s/.test(master)) problems.push(`has a master name with spaces ("${master}"); write it as the sentinels know it`);
  else options.name = master;
  if (db !== undefined && db !== '') {
    if (/^\d+$/.test(db)) options.db = Number(db);
    else problems.push(`has "/${db}" after the master name, where a database number belongs (e.g. /0)`);
  }
  if (extra.some((part) => part !== '')) problems.push(`has "/${extra.join('/')}" after the database number; nothing may follow it`);

  for (const [key, value] of new URLSearchParams(query)) {
    if (key === 'sentinelPassword' && value) {
      options.sentinelPassword = value;
      secrets.push({ name: 'the sentinel password', value });
    } else if (key === 'sentinelUsername' && value) options.sentinelUsername = value;
    else if (!(SENTINEL_QUERY as readonly string[]).includes(key))
      problems.push(`has an unknown parameter "${key}"; the sentinel form takes ${SENTINEL_QUERY.join(' and ')} only`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, target: { kind: 'sentinel', options, secrets } };
}

/** `host[:port]` entries separated by commas; `[v6]:port` for IPv6 addresses. */
function parseHosts(list: string, problems: string[]): Array<{ host: string; port: number }> {
  if (list === '') {
    problems.push(`names no sentinel: list them after "redis+sentinel://", as in ${SENTINEL_FORM}`);
    return [];
  }
  const out: Array<{ host: string; port: number }> = [];
  for (const entry of list.split(',')) {
    const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]\s]+))(?::(\d*))?$/i.exec(entry);
    if (!m) {
      problems.push(`has "${entry}" where a sentinel belongs; write host:port (e.g. 192.0.2.5:26379 or [::1]:26379)`);
      continue;
    }
    const host = m[1] ?? m[2]!;
    const port = m[3] === undefined || m[3] === '' ? SENTINEL_PORT : Number(m[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push(`has sentinel "${entry}" with port ${m[3]}; a port is 1..65535 (sentinels listen on ${SENTINEL_PORT} by default)`);
      continue;
    }
    out.push({ host, port });
  }
  return out;
}
