import { caddyAdmin } from './caddy-admin.ts';
import { type CaddyRoute, readRoute, serverName } from './caddy-front-door.ts';

/** `hello (production)`: how a site's route names its app environment (caddy-front-door.ts routeOf). */
const SITE_NAME = /^([a-z][a-z0-9-]*) \(([a-z][a-z0-9-]*)\)$/;

/**
 * Which of `servers` (a Caddy's `apps.http.servers`) are this installation's front-door sites
 * that serve nothing (no replica: scaled to 0) and whose app environment is not in voxoz.yml any
 * more (`configured`: "app (env)"), as `{ server, site }`. A site that still routes to replicas
 * is kept: voxoz does not stop an app taken out of the file (a line deleted by mistake must not
 * take it down). Another installation's sites on a shared caddy are not touched.
 */
export function idleSites(
  servers: Record<string, { routes?: CaddyRoute[] }>,
  instance: string,
  configured: ReadonlySet<string>,
): Array<{ server: string; site: string }> {
  const idle: Array<{ server: string; site: string }> = [];
  for (const [name, server] of Object.entries(servers)) {
    const route = server.routes?.[0];
    const named = route?.handle?.find((h) => h.handler === 'vars')?.voxoz_site;
    const [, app, env] = SITE_NAME.exec(named ?? '') ?? [];
    if (!route || !app || !env || configured.has(named!)) continue;
    // Ours only: the server name a site of this installation would have.
    if (name !== serverName({ instance, app, env, listen: '' })) continue;
    if (readRoute(route).upstreams.length > 0) continue;
    idle.push({ server: name, site: named! });
  }
  return idle;
}

/** Removes the `idleSites` of the caddy whose admin API is at `socket`, so their ports are free again. Returns the sites removed. */
export async function dropIdleSites(socket: string, instance: string, configured: ReadonlySet<string>): Promise<string[]> {
  const answer = await caddyAdmin.call(socket, 'GET', '/config/apps/http/servers');
  if (answer.status !== 200 || answer.body.trim() === 'null') return [];
  const dropped: string[] = [];
  for (const { server, site } of idleSites(JSON.parse(answer.body), instance, configured)) {
    await caddyAdmin.expectOk(socket, 'DELETE', `/config/apps/http/servers/${server}`);
    dropped.push(site);
  }
  return dropped;
}

/** Every app environment voxoz.yml has, as sites name them ("app (env)"). */
export function configuredSites(config: { apps: ReadonlyArray<{ name: string; environments: Record<string, unknown> }> }): Set<string> {
  return new Set(config.apps.flatMap((app) => Object.keys(app.environments).map((env) => `${app.name} (${env})`)));
}
