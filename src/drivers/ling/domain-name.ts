import { UserError } from '../../core/user-error.ts';

/** Xen domain names voxoz makes and accepts: the wrapper's own rule. */
export const DOMAIN_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `<app>-<env>-v<release>-<index>`, each instance of a release a domain. */
export function domainName(app: string, env: string, release: number, index: number): string {
  const name = `${app}-${env}-v${release}-${index}`;
  if (!DOMAIN_NAME.test(name))
    throw new UserError(
      'domain_name_too_long',
      `the domain name ${name} is longer than Xen's 63 characters; give the app or the environment a shorter name`,
    );
  return name;
}

/** The release and index of one of this app environment's domains, or undefined for any other name. */
export function parseDomainName(app: string, env: string, name: string): { release: number; index: number } | undefined {
  const prefix = `${app}-${env}-v`;
  if (!name.startsWith(prefix)) return undefined;
  const m = /^(\d+)-(\d+)$/.exec(name.slice(prefix.length));
  return m ? { release: Number(m[1]), index: Number(m[2]) } : undefined;
}

/**
 * The deploy's fencing token rides on the domain's kernel command line, where `xl list -l`
 * shows it back (Xen domains carry no labels): `voxoz.fence=N` (a dotted parameter Linux leaves
 * alone; LING passes it to Erlang as an argument nobody reads).
 */
export const fenceParam = (token: number) => `voxoz.fence=${token}`;

export function fenceOfCmdline(cmdline: string): number | undefined {
  const m = /(?:^|\s)voxoz\.fence=(\d+)(?:\s|$)/.exec(cmdline);
  return m ? Number(m[1]) : undefined;
}
