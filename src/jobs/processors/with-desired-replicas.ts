import type { AppSpec } from '../../config/schema.ts';
import type { DesiredStore } from '../../store/desired-store.ts';

/**
 * The app as a deploy (or rollback) of app+env should start it: with the desired count (what
 * `scale` stored, else config's `replicas`) plus a burst in progress. One scaled to 0 starts
 * config's `replicas` again (a deploy is a request to serve). Without a store: as configured.
 */
export async function withDesiredReplicas(app: AppSpec, env: string, desired: DesiredStore | undefined): Promise<AppSpec> {
  if (!desired) return app;
  const base = await desired.get(app.name, env, app.replicas);
  const burst = await desired.burst(app.name, env);
  const wanted = (base > 0 ? base : app.replicas) + (burst?.add ?? 0);
  return wanted === app.replicas ? app : { ...app, replicas: wanted };
}

/**
 * After a deploy, rollback or promote of an app environment scaled to 0 went live (with config's
 * `replicas`, above): the desired count is config's again, so status, alerts, summaries and the
 * end of a later burst agree with what runs. `app` is the app as configured.
 */
export async function desiredAfterLive(app: AppSpec, env: string, desired: DesiredStore | undefined): Promise<void> {
  if (desired && (await desired.get(app.name, env, app.replicas)) === 0) await desired.set(app.name, env, app.replicas);
}
