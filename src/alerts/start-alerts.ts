import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ALERT_DEFAULTS } from '../config/alert-schema.ts';
import { appIn } from '../config/app-environment.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import type { AppSpec } from '../config/schema.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import type { ThreadRef } from '../core/types.ts';
import type { DriverMap } from '../drivers/driver.ts';
import type { EngineEvent, WatchEngine } from '../drivers/engine-events.ts';
import type { Logger } from '../observability/logger.ts';
import type { DesiredStore } from '../store/desired-store.ts';
import type { RedisKeys } from '../store/keys.ts';
import { systemThread } from '../store/record-system-job.ts';
import type { ReleaseReader } from '../store/release-store.ts';
import { assessApp } from './assess-app.ts';
import { changeEvents, incidentMessage, incidentStep, openingEvents, recoveredEvent } from './incident-message.ts';
import { createIncidentStore, type IncidentKind, type OpenIncident } from './incident-store.ts';

export interface AlertDeps {
  redis: Redis;
  keys: RedisKeys;
  config: () => LoadedConfig;
  drivers: DriverMap;
  releases: ReleaseReader;
  desired: Pick<DesiredStore, 'get' | 'burst'>;
  /** The engines' event streams, one per runtime that has one (`docker`). */
  watchers: Readonly<Record<string, WatchEngine>>;
  log: Logger;
  now?: Clock;
  /** How often every live app environment is looked at besides the engine's events. @defaultValue 5000 */
  sweepMs?: number;
}

export interface Alerts {
  /** Looks at every live app environment now (what the sweep does). */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

const KINDS: IncidentKind[] = ['oom', 'crash-loop', 'unhealthy', 'replicas'];
/** Exits from before a start are read again from the engine this far back (what happened while no watcher ran). */
const CATCH_UP_MS = 10 * 60 * 1000;

/**
 * Alerts: follows the engines' events (exits, OOM kills, health) and looks at each live app
 * environment on every event and every `sweepMs`; opens one incident per app+env+kind, edits its
 * message as it evolves and closes it once recovered (see assess-app.ts for the rules). Every
 * bot process may run this: exits are counted by engine event id and every open, edit and close
 * is decided once in Redis (incident-store.ts), so each incident is one message.
 */
export function startAlerts(deps: AlertDeps): Alerts {
  const { config, log } = deps;
  const now = deps.now ?? systemClock;
  const store = createIncidentStore(deps.redis, deps.keys);
  /** What this process saw of each app+env over time: short of replicas, unhealthy, healthy, since when. */
  const seen = new Map<string, { shortSince?: number; unhealthySince?: number; healthySince?: number }>();
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  const pending = new Set<string>();

  const rulesOf = (app: AppSpec) => app.alerts ?? ALERT_DEFAULTS;
  const appNamed = (name: string) => config().apps.find((a) => a.name === name);

  const channelOf = (app: AppSpec): ThreadRef => {
    const channel = rulesOf(app).channel;
    if (channel) {
      const [platform, conversation] = Object.entries(channel)[0]!;
      return { platform, conversation: String(conversation) };
    }
    return systemThread(config(), {});
  };

  async function assess(app: AppSpec, env: string): Promise<void> {
    const rules = rulesOf(app);
    if (rules.off) return;
    const driver = deps.drivers[app.runtime];
    const live = (await deps.releases.list(app.name, env)).filter((r) => r.outcome === 'live').pop();
    if (!driver || !live) return;
    const t = now().getTime();
    const instances = (await driver.status(app, env)).filter((i) => i.release === live.number && i.state === 'running');
    const unhealthy = instances.filter((i) => i.healthy === false).length;
    const burst = await deps.desired.burst(app.name, env);
    const desired =
      (await deps.desired.get(app.name, env, appIn(app, env).replicas)) + (burst && Date.parse(burst.until) > t ? burst.add : 0);
    const key = `${app.name}:${env}`;
    const mark = seen.get(key) ?? {};
    const short = instances.length < desired;
    mark.shortSince = short ? (mark.shortSince ?? t) : undefined;
    mark.unhealthySince = unhealthy > 0 ? (mark.unhealthySince ?? t) : undefined;
    mark.healthySince = !short && unhealthy === 0 ? (mark.healthySince ?? t) : undefined;
    seen.set(key, mark);
    const stored = await Promise.all(KINDS.map((k) => store.get(app.name, env, k)));
    const open: Partial<Record<IncidentKind, OpenIncident>> = {};
    const openedAt: Partial<Record<IncidentKind, number>> = {};
    const closedAt: Partial<Record<IncidentKind, number>> = {};
    KINDS.forEach((k, i) => {
      const { open: o, closedAt: c } = stored[i]!;
      if (o) [open[k], openedAt[k]] = [o, Date.parse(o.openedAt)];
      if (c !== undefined) closedAt[k] = c;
    });
    const since = t - Math.max(rules.crashLoop.withinSeconds, rules.stableSeconds) * 1000 * 2;
    const earliest = Math.min(since, ...Object.values(openedAt).map((o) => o - rules.crashLoop.withinSeconds * 1000));
    // Only the live release's replicas: a failing deploy's new replicas are its own thread's business.
    const signals = (await store.signals(app.name, env, earliest)).filter((s) => s.release === undefined || s.release === live.number);
    const a = assessApp(rules, { now: t, running: instances.length, unhealthy, desired, signals, openedAt, closedAt, ...mark });
    const at = new Date(t).toISOString();
    // A crash loop or an OOM kill already says how many run: no second incident for the same trouble.
    const covered = Boolean(open['crash-loop'] || open.oom || a.active['crash-loop'] || a.active.oom);
    for (const kind of KINDS) {
      const incident = open[kind];
      if (!incident) {
        const summary = a.active[kind];
        if (summary === undefined || (covered && (kind === 'replicas' || kind === 'unhealthy'))) continue;
        const step = incidentStep(summary, at);
        const message = incidentMessage(`alert-${randomUUID()}`, kind, app.name, env, channelOf(app), at);
        if (await store.open(kind, message, summary, step, openingEvents(at, step)))
          log.info('incident opened', { app: app.name, env, kind, id: message.id, summary });
      } else if (a.recovered) {
        const done = recoveredEvent(kind, app.name, env, incident.openedAt, at, incident.summary, a.standing);
        if (await store.close(app.name, env, kind, incident.id, t, [{ type: 'step', at, step: incident.step, state: 'done' }, done]))
          log.info('incident closed', { app: app.name, env, kind, id: incident.id });
      } else if (a.summaries[kind] !== incident.summary) {
        const step = incidentStep(a.summaries[kind], at);
        await store.update(app.name, env, kind, incident, a.summaries[kind], step, changeEvents(at, incident.step, step));
      }
    }
  }

  /** Runs one look at a time in this process (queued behind the others; the same app+env once). */
  const look = (app: AppSpec, env: string) => {
    const key = `${app.name}:${env}`;
    if (pending.has(key)) return chain;
    pending.add(key);
    chain = chain.then(async () => {
      pending.delete(key);
      if (stopped) return;
      await assess(app, env).catch((err: unknown) => log.warn('alert check failed', { app: app.name, env, err }));
    });
    return chain;
  };

  const sweep = async () => {
    const looks = config()
      .apps.filter((a) => !rulesOf(a).off)
      .flatMap((a) => Object.keys(a.environments).map((env) => look(a, env)));
    await Promise.all(looks);
  };

  const onEvent = (event: EngineEvent) => {
    const app = appNamed(event.app);
    if (!app || rulesOf(app).off) return;
    // An exit that was asked for (a deploy or scale retiring the replica) is no trouble; the count is looked at all the same.
    const record =
      (event.type === 'died' && !event.requested) || event.type === 'oom'
        ? store.addSignal(event.app, event.env, event.id, {
            type: event.type,
            exitCode: event.type === 'died' ? event.exitCode : 137,
            replica: event.replica,
            ...(event.release !== undefined ? { release: event.release } : {}),
            at: Date.parse(event.at),
          })
        : Promise.resolve();
    record
      .then(() => look(app, event.env))
      .catch((err: unknown) => log.warn('alert signal not recorded', { app: event.app, env: event.env, err }));
  };

  const since = new Date(now().getTime() - CATCH_UP_MS);
  const watching = Object.values(deps.watchers).map((watch) => watch(onEvent, { since }));
  const timer = setInterval(() => void sweep(), deps.sweepMs ?? 5000);
  return {
    sweep,
    async close() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(watching.map((w) => w.close()));
      await chain;
    },
  };
}
