import { z } from 'zod';
import { wholeNumber } from './whole-number.ts';

const show = (v: unknown) => JSON.stringify(v) ?? String(v);
const int = wholeNumber;

/** Xen host names become parts of messages and Redis keys; domain names are `<app>-<env>-v<N>-<i>`. */
export const XEN_HOST_NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** An OpenSSH SHA256 fingerprint as `ssh-keygen -lf` prints it. */
export const HOST_KEY_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]*$/;

const xenHost = z.strictObject({
  name: z
    .string()
    .regex(XEN_HOST_NAME, { error: (iss) => `must be lowercase letters, digits and dashes, e.g. xen-a, got ${show(iss.input)}` }),
  /**
   * The host's SSH address (a name or IP), or `local` when voxoz's workers run in this host's
   * dom0 and call the wrapper directly (no SSH).
   */
  address: z
    .string()
    .regex(/^(local|[A-Za-z0-9.:-]{1,253})$/, { error: (iss) => `must be a host name, an IP or "local", got ${show(iss.input)}` }),
  /** @defaultValue 22 */
  port: int(1, 65_535).default(22),
  /** @defaultValue "root" */
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/)
    .default('root'),
  /** The private key voxoz logs in with (its public half is in the host's authorized_keys with the forced command `voxoz-xl`); relative to voxoz.yml. */
  keyFile: z.string().min(1).optional(),
  /** The host's pinned SSH host key, `SHA256:…` as `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints it: a different key fails closed. */
  hostKey: z
    .string()
    .regex(HOST_KEY_FINGERPRINT, { error: (iss) => `must be a fingerprint like "SHA256:" + 43 characters, got ${show(iss.input)}` })
    .optional(),
  /** Where the wrapper keeps images on the host (its `images` setting). @defaultValue "/var/lib/voxoz-xl/images" */
  imagesDir: z.string().regex(ABSOLUTE_PATH, { error: 'must be an absolute path' }).default('/var/lib/voxoz-xl/images'),
  /** MiB voxoz's domains may use on this host together, besides what `xl info` says is free. @defaultValue no budget (free memory only) */
  memoryMb: int(16, 16_777_216).optional(),
});

/** `xen:` the Xen hosts LING apps run on and how their images are built. */
export const xenSection = {
  xen: z
    .strictObject({
      /** Which builder turns an app's .beam files into a bootable image: `erlang-pv` (Linux + Erlang, runs anywhere) or `railing` (LING). @defaultValue "erlang-pv" */
      builder: z
        .enum(['erlang-pv', 'railing'], { error: (iss) => `must be "erlang-pv" or "railing", got ${show(iss.input)}` })
        .default('erlang-pv'),
      /** erlang-pv: the PV-capable Linux kernel the domains boot (an uncompressed vmlinux boots fastest); relative to voxoz.yml. */
      kernel: z.string().min(1).optional(),
      /** railing: the command that runs LING's `railing` (e.g. ["railing"] or a `docker run …` of a builder image). @defaultValue ["railing"] */
      railing: z.array(z.string().min(1)).min(1).default(['railing']),
      hosts: z.array(xenHost).max(64).default([]),
    })
    .optional(),
};

/** An app with `runtime: ling`: how its domains boot and when one counts as ready. */
export const lingAppSchema = z.strictObject({
  /** MiB per domain (railing's `-m`); the erlang-pv builder needs at least 128. @defaultValue 128 */
  memory: int(16, 65_536).default(128),
  /** Erlang start arguments (railing's `-e`), e.g. "-s hello start". @defaultValue "" */
  extra: z
    .string()
    .regex(/^[\x20-\x21\x23-\x5b\x5d-\x7e]{0,512}$/, {
      error: 'must be printable ASCII without quotes or backslashes, at most 512 characters',
    })
    .default(''),
  /** Applications left out of the image (railing's `-x`). @defaultValue [] */
  exclude: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/)).default([]),
  /** The console line (a substring) that says a domain is ready. @defaultValue "ready" */
  readyLine: z.string().min(1).max(200).default('ready'),
  /** How long new domains get to print it before the deploy fails. @defaultValue 300 */
  readyTimeoutSeconds: int(1, 3600).default(300),
});

export const LING_DEFAULTS = { memory: 128, extra: '', exclude: [], readyLine: 'ready', readyTimeoutSeconds: 300 };

const hasKeys = (v: unknown) => v !== null && typeof v === 'object' && Object.keys(v).length > 0;
const NO_VARIABLES =
  "a ling app's domains have no environment variables (LING runs Erlang on Xen, with no OS under it), so this would be silently ignored: pass settings as Erlang start arguments in ling.extra instead, and remove it";

/** An app as it is in voxoz.yml, before validation: only what checkXen reads. */
type RawLingApp = { runtime?: unknown; ling?: unknown; environments?: unknown; port?: unknown; env?: unknown; secrets?: unknown };

/** A ling app's `env`, `secrets` and environments' `env`: refused rather than silently dropped. */
function variablesOfLing(app: RawLingApp, i: number) {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  if (hasKeys(app.env)) problems.push({ path: ['apps', i, 'env'], message: NO_VARIABLES });
  if (Array.isArray(app.secrets) && app.secrets.length > 0) problems.push({ path: ['apps', i, 'secrets'], message: NO_VARIABLES });
  if (app.environments && typeof app.environments === 'object')
    for (const [env, settings] of Object.entries(app.environments as Record<string, { env?: unknown }>))
      if (hasKeys(settings?.env)) problems.push({ path: ['apps', i, 'environments', env, 'env'], message: NO_VARIABLES });
  return problems;
}

/** Cross-entry checks: LING apps need Xen hosts, environments name hosts that exist, host names unique. */
export function checkXen(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const xen = (raw as { xen?: { hosts?: unknown; builder?: unknown; kernel?: unknown } })?.xen;
  const hosts = Array.isArray(xen?.hosts)
    ? (xen.hosts as Array<{ name?: unknown; address?: unknown; keyFile?: unknown; hostKey?: unknown }>)
    : [];
  const names = new Set<string>();
  hosts.forEach((h, i) => {
    if (typeof h?.name !== 'string') return;
    if (names.has(h.name)) problems.push({ path: ['xen', 'hosts', i, 'name'], message: `"${h.name}" is already the name of another host` });
    names.add(h.name);
    if (h.address !== 'local' && (h.keyFile === undefined || h.hostKey === undefined))
      problems.push({
        path: ['xen', 'hosts', i],
        message: `a host reached over SSH needs keyFile (voxoz's private key) and hostKey (the host's pinned "SHA256:…" fingerprint); add ${[h.keyFile === undefined ? 'keyFile' : '', h.hostKey === undefined ? 'hostKey' : ''].filter(Boolean).join(' and ')}`,
      });
  });
  const apps = (raw as { apps?: unknown })?.apps;
  if (!Array.isArray(apps)) return problems;
  apps.forEach((app: RawLingApp, i) => {
    if (app?.runtime !== 'ling') {
      if (app?.ling !== undefined)
        problems.push({ path: ['apps', i, 'ling'], message: 'only an app with runtime: ling takes ling settings' });
      if (app && typeof app === 'object' && app.port === undefined)
        problems.push({ path: ['apps', i, 'port'], message: "is required: the app's stable address, 127.0.0.1:port" });
      return;
    }
    if (hosts.length === 0)
      problems.push({ path: ['apps', i, 'runtime'], message: 'a ling app needs Xen hosts to run on: add them under xen.hosts' });
    problems.push(...variablesOfLing(app, i));
    if ((xen?.builder ?? 'erlang-pv') === 'erlang-pv' && xen?.kernel === undefined && hosts.length > 0)
      problems.push({
        path: ['xen', 'kernel'],
        message: 'the erlang-pv builder needs a PV Linux kernel for the domains: set xen.kernel (see the README, "Preparing a Xen host")',
      });
    const envs =
      app.environments && typeof app.environments === 'object' ? (app.environments as Record<string, { xenHosts?: unknown }>) : {};
    for (const [env, settings] of Object.entries(envs)) {
      if (!Array.isArray(settings?.xenHosts)) continue;
      settings.xenHosts.forEach((h: unknown, j) => {
        if (typeof h === 'string' && !names.has(h))
          problems.push({
            path: ['apps', i, 'environments', env, 'xenHosts', j],
            message: `no Xen host is named "${h}" (xen.hosts: ${[...names].join(', ') || 'none'})`,
          });
      });
    }
  });
  return problems;
}
