import { caddyAdmin } from './caddy-admin.ts';
import type { FrontDoor, Route, Site } from './front-door.ts';

/**
 * How the proxy treats a replica that refuses a connection (one just retired, one that
 * crashed): the request is tried again on the replicas left for up to this long before it
 * fails. @defaultValue 5 s, every 100 ms
 */
const TRY_DURATION = '5s';
const TRY_INTERVAL = '100ms';

/** Caddy server names and `@id`s: unique per installation, app and environment. */
export const serverName = (s: Site) => `vx-${s.instance}-${s.app}-${s.env}`;
const routeId = (s: Site) => `${serverName(s)}-route`;

export interface CaddyRoute {
  handle?: Array<{ handler?: string; voxoz_fence?: string; voxoz_site?: string; upstreams?: Array<{ dial?: string }> }>;
}

/**
 * The route of a site: a `vars` handler that records the fencing token of the deploy that set
 * it (Caddy keeps unknown `vars` keys as they are), then the reverse proxy to the replicas.
 * Both are one object with one `@id`, so one PATCH moves traffic and the token together.
 */
export function routeOf(site: Site, upstreams: string[], fence: number) {
  return {
    '@id': routeId(site),
    handle: [
      { handler: 'vars', voxoz_fence: String(fence), voxoz_site: `${site.app} (${site.env})` },
      {
        handler: 'reverse_proxy',
        upstreams: upstreams.map((dial) => ({ dial })),
        // With no upstream (scaled to 0) nothing can come back within the try window: answer 503 at once.
        load_balancing: {
          selection_policy: { policy: 'round_robin' },
          ...(upstreams.length > 0 ? { try_duration: TRY_DURATION, try_interval: TRY_INTERVAL } : {}),
        },
      },
    ],
  };
}

/** What a site's route (as Caddy holds it) routes to, and under which fencing token. */
export function readRoute(route: CaddyRoute): Route {
  const vars = route.handle?.find((h) => h.handler === 'vars');
  const proxy = route.handle?.find((h) => h.handler === 'reverse_proxy');
  return {
    upstreams: (proxy?.upstreams ?? []).flatMap((u) => (u.dial ? [u.dial] : [])),
    fence: Number(vars?.voxoz_fence ?? 0) || 0,
  };
}

/**
 * The FrontDoor on a Caddy reached through its admin socket (src/services/caddy.ts starts
 * it). Each site is a server of its own listening on the site's address, with automatic HTTPS
 * off (loopback: no certificate can be fetched, and none is wanted).
 */
export function createCaddyFrontDoor(socket: string): FrontDoor {
  const get = async (path: string) => {
    const answer = await caddyAdmin.call(socket, 'GET', path);
    return answer.status === 200 && answer.body.trim() !== 'null' ? answer.body : undefined;
  };
  const servers = async () =>
    JSON.parse((await get('/config/apps/http/servers')) ?? '{}') as Record<string, { listen?: string[]; routes?: CaddyRoute[] }>;
  const route = async (site: Site) => {
    const body = await get(`/id/${routeId(site)}`);
    return body === undefined ? undefined : readRoute(JSON.parse(body) as CaddyRoute);
  };
  return {
    route,
    async switch(site, upstreams, fence) {
      const current = await route(site);
      if (fence !== undefined && current && current.fence > fence) return false;
      const next = routeOf(site, upstreams, fence ?? 0);
      const listen = (await servers())[serverName(site)]?.listen;
      if (current && listen?.length === 1 && listen[0] === site.listen)
        await caddyAdmin.expectOk(socket, 'PATCH', `/id/${routeId(site)}`, next);
      else
        await caddyAdmin.expectOk(socket, 'POST', `/config/apps/http/servers/${serverName(site)}`, {
          listen: [site.listen],
          routes: [next],
          automatic_https: { disable: true },
        });
      return true;
    },
    async siteAt(listen) {
      const found = Object.entries(await servers()).find(([, s]) => s.listen?.includes(listen));
      if (!found) return undefined;
      const vars = found[1].routes?.[0]?.handle?.find((h) => h.handler === 'vars');
      return vars?.voxoz_site ?? found[0];
    },
    async remove(site) {
      if ((await servers())[serverName(site)]) await caddyAdmin.expectOk(socket, 'DELETE', `/config/apps/http/servers/${serverName(site)}`);
    },
  };
}
