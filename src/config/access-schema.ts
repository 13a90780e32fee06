import { z } from 'zod';

/** The roles a grant gives, weakest first. admin holds every other; deployer and approver each hold viewer. */
export const ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const PERSON = /^[a-z][a-z0-9._-]{0,39}$/;
const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/** One identity or several on a platform; decisions key on these ids, never on display names. */
const ids = (pattern: RegExp, example: string) =>
  z
    .union([z.string(), z.array(z.string()).max(20)])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .refine((v) => v.every((id) => pattern.test(id)), { error: (iss) => `must be ${example}, got ${show(iss.input)}` });

const person = z.strictObject({
  /** `<team id>/<user id>` as Slack shows them, e.g. T0123ABCD/U0456EFGH. */
  slack: ids(/^T[A-Z0-9]{2,20}\/[UW][A-Z0-9]{2,20}$/, 'a Slack team id and user id like "T0123ABCD/U0456EFGH"').optional(),
  /** A Discord user id (a snowflake, quoted). */
  discord: ids(/^\d{5,20}$/, 'a Discord user id (digits, quoted), e.g. "123456789012345678"').optional(),
  /** A name given to the local API and `voxoz say --user` (only as strong as the local API's access rule). */
  local: ids(/^[A-Za-z0-9._-]{1,40}$/, 'a local user name like "alice"').optional(),
});

const glob = z.string().regex(/^[a-z0-9*?-]{1,40}$/, { error: (iss) => `must be a name or a glob like "web-*", got ${show(iss.input)}` });

/**
 * `to` names people, `group:<name>`, `everyone` (anyone voxoz accepts commands from: an
 * allowed Slack team or Discord guild, or the local API), or `<platform>:*` (anyone on that
 * platform, e.g. `local:*` for trying voxoz on one machine).
 */
const grant = z.strictObject({
  to: z.array(z.string().min(1)).min(1, { error: 'must name at least one person, group:<name> or everyone' }),
  role: z.enum(ROLES, { error: (iss) => `must be one of ${ROLES.join(', ')}, got ${show(iss.input)}` }),
  /** @defaultValue ["*"] */
  apps: z.array(glob).min(1).default(['*']),
  /** @defaultValue ["*"] */
  envs: z.array(glob).min(1).default(['*']),
});

/** Verbs an approval rule can name. */
export const APPROVABLE = ['rollback', 'deploy', 'promote', 'restart', 'scale', 'burst', 'unlock'] as const;

/**
 * A rule that makes a command wait for someone else's Approve click. `above`: only `scale` to
 * more replicas than this (or a burst that would pass it). `othersLock`: only `unlock` of a lock
 * someone else holds.
 */
const approvalRule = z.strictObject({
  verb: z.enum(APPROVABLE, { error: (iss) => `must be one of ${APPROVABLE.join(', ')}, got ${show(iss.input)}` }),
  /** @defaultValue ["*"] */
  apps: z.array(glob).min(1).default(['*']),
  /** @defaultValue ["*"] */
  envs: z.array(glob).min(1).default(['*']),
  above: z.number().int().min(0).max(100).optional(),
  othersLock: z.boolean().optional(),
});

/** @defaultValue rollback needs approval everywhere; 15 minutes to decide */
export const APPROVALS_DEFAULT = { rules: [{ verb: 'rollback' as const, apps: ['*'], envs: ['*'] }], expiryMinutes: 15 };

export const accessSections = {
  /** People by name, with their identities on each platform. @defaultValue {} */
  people: z.record(z.string().regex(PERSON, { error: 'person names are lowercase letters, digits, ".", "_" and "-"' }), person).default({}),
  /** Named groups of people, used in grants as `group:<name>`. @defaultValue {} */
  groups: z.record(z.string().regex(PERSON), z.array(z.string().regex(PERSON)).min(1)).default({}),
  access: z
    .strictObject({
      /** Who holds which role where. With none, every command that changes something is refused. @defaultValue [] */
      grants: z.array(grant).default([]),
      /** Who may run read-only commands: `anyone` voxoz accepts commands from, or only people `granted` a role on the app. @defaultValue "anyone" */
      readers: z.enum(['anyone', 'granted']).default('anyone'),
    })
    .default({ grants: [], readers: 'anyone' }),
  approvals: z
    .strictObject({
      /** Commands that wait for an approver's click. @defaultValue [{ verb: rollback }] */
      rules: z.array(approvalRule).default(APPROVALS_DEFAULT.rules),
      /** How long an approval request waits for a decision. @defaultValue 15 */
      expiryMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(15),
    })
    .default(APPROVALS_DEFAULT),
};

/** Per app: the channels it takes commands that change it in (`slack:C0123ABCD`, `discord:<channel id>`, `local:<channel>`, or `<platform>:*`). */
export const appChannels = z
  .array(
    z
      .string()
      .regex(/^(slack|discord|local):[A-Za-z0-9._*-]{1,40}$/, { error: 'must be like "slack:C0123ABCD", "discord:123…" or "local:*"' }),
  )
  .min(1)
  .optional();

type Raw = { people?: Record<string, unknown>; groups?: Record<string, unknown>; access?: { grants?: Array<{ to?: unknown }> } };

/** Names that point nowhere, and one identity given to two people. */
export function checkAccess(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const r = (raw ?? {}) as Raw;
  const people = new Set(Object.keys(r.people ?? {}));
  const groups = new Set(Object.keys(r.groups ?? {}));
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  for (const [g, members] of Object.entries(r.groups ?? {}))
    if (Array.isArray(members))
      members.forEach((m, i) => {
        if (typeof m === 'string' && !people.has(m)) problems.push({ path: ['groups', g, i], message: `"${m}" is not under people:` });
      });
  (r.access?.grants ?? []).forEach((g, i) => {
    if (!Array.isArray(g?.to)) return;
    g.to.forEach((who, j) => {
      if (typeof who !== 'string' || who === 'everyone' || /^(slack|discord|local):\*$/.test(who)) return;
      const known = who.startsWith('group:') ? groups.has(who.slice(6)) : people.has(who);
      if (!known)
        problems.push({
          path: ['access', 'grants', i, 'to', j],
          message: `"${who}" is ${who.startsWith('group:') ? 'not under groups:' : 'not under people:'}; name a person, group:<name>, everyone, or slack:*, discord:*, local:*`,
        });
    });
  });
  const owner = new Map<string, string>();
  for (const [name, p] of Object.entries(r.people ?? {}))
    for (const [platform, v] of Object.entries((p ?? {}) as Record<string, unknown>))
      for (const id of Array.isArray(v) ? v : [v]) {
        const key = `${platform}:${String(id)}`;
        const first = owner.get(key);
        if (first && first !== name)
          problems.push({ path: ['people', name, platform], message: `${key} is already ${first}'s; an identity belongs to one person` });
        else owner.set(key, name);
      }
  return problems;
}
