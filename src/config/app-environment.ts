import type { AppSpec } from './schema.ts';

/**
 * True when `env` is one of the app's own environments. Names come from users (`--env
 * constructor`), so never a key found on Object.prototype: every lookup of a user-supplied key
 * in a config map is an own-key lookup.
 */
export function hasEnvironment(app: AppSpec, env: string): boolean {
  return Object.hasOwn(app.environments, env);
}

/** The first port of an app in an environment. */
export function environmentPort(app: AppSpec, env: string): number {
  return (hasEnvironment(app, env) ? app.environments[env]?.port : undefined) ?? app.port;
}
