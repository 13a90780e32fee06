import type { AppSpec } from './schema.ts';

/**
 * True when `env` is one of the app's own environments. Names come from users (`--env
 * constructor`), so never a key found on Object.prototype: every lookup of a user-supplied key
 * in a config map is an own-key lookup.
 */
export function hasEnvironment(app: AppSpec, env: string): boolean {
  return Object.hasOwn(app.environments, env);
}

/** The first port of an app in an environment (its front door's); 0 for a ling app, which has none. */
export function environmentPort(app: AppSpec, env: string): number {
  const port = (hasEnvironment(app, env) ? app.environments[env]?.port : undefined) ?? app.port;
  // The config check requires a port of every app but a ling app, which has no front door: 0.
  return port ?? 0;
}

/**
 * The app as it runs in `env`: the environment's own `replicas` in place of the app's, and its
 * `env` laid over the app's (the same name: the environment's value). The app itself when the
 * environment sets neither, or is not one of the app's.
 */
export function appIn(app: AppSpec, env: string): AppSpec {
  const own = hasEnvironment(app, env) ? app.environments[env] : undefined;
  if (own?.replicas === undefined && own?.env === undefined) return app;
  return { ...app, replicas: own.replicas ?? app.replicas, env: { ...app.env, ...own.env } };
}
