import type { Role } from '../config/access-schema.ts';
import type { LoadedConfig } from '../config/load-config.ts';

type AccessConfig = Pick<LoadedConfig, 'people' | 'groups' | 'access'>;

/** `web-*` → /^web-.*$/: `*` any run of characters, `?` one. */
export const globMatches = (glob: string, name: string) =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(name);

/** The person a platform identity (`slack:T1/U2`, `discord:123`, `local:alice`) is, by id only; undefined when unlisted. */
export function personOf(config: AccessConfig, userId: string): string | undefined {
  const colon = userId.indexOf(':');
  const platform = userId.slice(0, colon);
  const id = userId.slice(colon + 1);
  if (platform !== 'slack' && platform !== 'discord' && platform !== 'local') return undefined;
  for (const [name, p] of Object.entries(config.people)) if (p[platform]?.includes(id)) return name;
  return undefined;
}

/**
 * How a platform identity is shown to people (who deployed, approved, failed): the person's name
 * in `people` when listed, else the identity itself (`slack:T1/U2`).
 */
export function shownAs(config: AccessConfig, userId: string): string {
  return personOf(config, userId) ?? userId;
}

/** True when a grant's `to` covers the person (or an unlisted identity, through `everyone` or `<platform>:*`). */
function covers(config: AccessConfig, to: ReadonlyArray<string>, person: string | undefined, userId: string): boolean {
  return to.some(
    (who) =>
      who === 'everyone' ||
      (who.endsWith(':*') && userId.startsWith(who.slice(0, -1))) ||
      (person !== undefined && (who === person || (who.startsWith('group:') && (config.groups[who.slice(6)] ?? []).includes(person)))),
  );
}

/** The roles a user holds on app/env (env undefined: on any environment of the app; app undefined: anywhere). */
export function rolesOf(config: AccessConfig, userId: string, app?: string, env?: string): Set<Role> {
  const person = personOf(config, userId);
  const roles = new Set<Role>();
  for (const g of config.access.grants) {
    if (!covers(config, g.to, person, userId)) continue;
    if (app !== undefined && !g.apps.some((a) => globMatches(a, app))) continue;
    if (env !== undefined && !g.envs.some((e) => globMatches(e, env))) continue;
    roles.add(g.role);
  }
  return roles;
}

/** admin holds every role; deployer and approver each hold viewer. */
export function holds(roles: ReadonlySet<Role>, needed: Role): boolean {
  if (roles.has('admin') || roles.has(needed)) return true;
  return needed === 'viewer' && (roles.has('deployer') || roles.has('approver'));
}

/**
 * Who could approve on app/env besides `exceptId`'s person: the people (by name) holding
 * approver or admin there, and `everyone` when a grant to everyone does. Empty: nobody can.
 */
export function approversOf(config: AccessConfig, app: string, env: string, exceptId: string): string[] {
  const except = personOf(config, exceptId);
  const names = new Set<string>();
  for (const g of config.access.grants) {
    if (g.role !== 'approver' && g.role !== 'admin') continue;
    if (!g.apps.some((a) => globMatches(a, app)) || !g.envs.some((e) => globMatches(e, env))) continue;
    for (const who of g.to) {
      if (who === 'everyone' || who.endsWith(':*')) names.add(who);
      else if (who.startsWith('group:')) for (const m of config.groups[who.slice(6)] ?? []) names.add(m);
      else names.add(who);
    }
  }
  if (except) names.delete(except);
  return [...names].sort();
}
