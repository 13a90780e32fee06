import { environmentPort } from '../config/app-environment.ts';
import type { VoxozConfig } from '../config/schema.ts';
import type { NamedSite } from './caddy-hostnames.ts';

/** The app environments voxoz.yml gives `hostnames`, each with its front-door site (127.0.0.1:<its port>). */
export function namedSites(config: Pick<VoxozConfig, 'apps'>, instance: string): NamedSite[] {
  return config.apps.flatMap((app) =>
    Object.entries(app.environments).flatMap(([env, settings]) =>
      settings.hostnames?.length && app.port !== undefined
        ? [{ site: { instance, app: app.name, env, listen: `127.0.0.1:${environmentPort(app, env)}` }, hostnames: settings.hostnames }]
        : [],
    ),
  );
}
