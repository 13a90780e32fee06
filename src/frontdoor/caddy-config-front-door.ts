import { type CaddyRoute, readRoute, routeOf, serverName } from './caddy-front-door.ts';
import { idleSites } from './drop-idle-sites.ts';
import type { FrontDoor } from './front-door.ts';

/** A whole Caddy JSON config: what voxoz keeps of it are `apps.http.servers`; `admin` and the rest stay as they are. */
export interface CaddyConfig {
  apps?: { http?: { servers?: Record<string, { listen?: string[]; routes?: CaddyRoute[]; automatic_https?: unknown }> } };
  [key: string]: unknown;
}

/** Where a Caddy's config lives when voxoz cannot reach its admin API: read it whole, load it whole (a graceful reload). */
export interface CaddyConfigStore {
  read(): Promise<CaddyConfig>;
  load(config: CaddyConfig): Promise<void>;
  /** Runs a change (read, change, load) alone among this Caddy's writers (a DoorLock); without it, changes may interleave and one may be lost. */
  exclusive?<T>(change: () => Promise<T>): Promise<T>;
}

/**
 * The FrontDoor on a Caddy whose config voxoz replaces whole (a Caddy on a remote engine,
 * reached through the engine's API): the same servers, routes and fencing tokens as
 * `createCaddyFrontDoor`, each change one reload. Caddy keeps its listeners across a reload,
 * so a switch drops no connection. Each change is a read and a load of the whole config, run
 * under the store's `exclusive` so that two changes (two apps deployed at once, two workers)
 * do not load over each other; the fence claim in Redis orders the switches of one site.
 */
export function createConfigFrontDoor(store: CaddyConfigStore): FrontDoor {
  const servers = (config: CaddyConfig) => config.apps?.http?.servers ?? {};
  const alone = <T>(change: () => Promise<T>): Promise<T> => (store.exclusive ? store.exclusive(change) : change());
  return {
    async route(site) {
      const route = servers(await store.read())[serverName(site)]?.routes?.[0];
      return route ? readRoute(route) : undefined;
    },
    switch: (site, upstreams, fence) =>
      alone(async () => {
        const config = await store.read();
        const current = servers(config)[serverName(site)]?.routes?.[0];
        if (fence !== undefined && current && readRoute(current).fence > fence) return false;
        const http = { ...config.apps?.http, servers: { ...servers(config) } };
        http.servers[serverName(site)] = {
          listen: [site.listen],
          routes: [routeOf(site, upstreams, fence ?? 0)],
          automatic_https: { disable: true },
        };
        await store.load({ ...config, apps: { ...config.apps, http } });
        return true;
      }),
    async siteAt(listen) {
      const found = Object.entries(servers(await store.read())).find(([, s]) => s.listen?.includes(listen));
      if (!found) return undefined;
      const vars = found[1].routes?.[0]?.handle?.find((h) => h.handler === 'vars');
      return vars?.voxoz_site ?? found[0];
    },
    dropIdle: (instance, configured) =>
      alone(async () => {
        const config = await store.read();
        const idle = idleSites(servers(config), instance, configured);
        if (idle.length === 0) return [];
        const rest = { ...servers(config) };
        for (const { server } of idle) delete rest[server];
        await store.load({ ...config, apps: { ...config.apps, http: { ...config.apps?.http, servers: rest } } });
        return idle.map((i) => i.site);
      }),
    remove: (site) =>
      alone(async () => {
        const config = await store.read();
        if (!servers(config)[serverName(site)]) return;
        const rest = { ...servers(config) };
        delete rest[serverName(site)];
        await store.load({ ...config, apps: { ...config.apps, http: { ...config.apps?.http, servers: rest } } });
      }),
  };
}
