import type { Instance } from '../../drivers/driver.ts';
import { appIn, hasEnvironment } from '../../config/app-environment.ts';
import type { ReleaseReader } from '../../store/release-store.ts';
import { describeBurst } from './burst.ts';
import type { JobProcessor } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';

function uptime(startedAt: string | undefined, now: Date): string {
  if (!startedAt) return '-';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(startedAt)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** A fixed-width table of instances, one line each. */
export function formatInstances(app: string, instances: Instance[], now: Date): string {
  if (instances.length === 0) return `${app}: no instances`;
  // LING domains say where they run and what they use (memory, vCPUs, CPU time).
  const withDetail = instances.some((i) => i.detail !== undefined);
  // Docker replicas count the engine's restarts: uptime is since the last one, so a crash loop shows here.
  const withRestarts = instances.some((i) => i.restarts !== undefined);
  const rows = instances.map((i) => [
    i.name,
    `v${i.release}`,
    i.state,
    i.healthy === undefined ? '-' : i.healthy ? 'healthy' : 'unhealthy',
    uptime(i.startedAt, now),
    ...(withRestarts ? [i.restarts === undefined ? '-' : String(i.restarts)] : []),
    i.address ?? '-',
    ...(withDetail ? [i.detail ?? '-'] : []),
  ]);
  const header = [
    'instance',
    'release',
    'state',
    'health',
    'uptime',
    ...(withRestarts ? ['restarts'] : []),
    withDetail ? 'host' : 'address',
    ...(withDetail ? ['resources'] : []),
  ];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * What status says of an app environment with no instances of which no release ever went live:
 * never deployed, or only failed (or cancelled) deploys. Undefined when one went live (it was
 * scaled to 0, or its instances are gone: the table's "no instances" and the counts say so).
 */
async function nothingLive(
  releases: ReleaseReader,
  place: { app: string; env: string; label: string },
): Promise<{ line: string; count: string } | undefined> {
  const all = await releases.list(place.app, place.env);
  if (all.some((r) => r.outcome === 'live')) return undefined;
  const how = `"deploy ${place.app}${place.env === 'production' ? '' : ` --env ${place.env}`}"`;
  const last = all.at(-1);
  if (!last) return { line: `${place.label}: not deployed yet; ${how} starts it`, count: 'not deployed yet' };
  const ended = last.outcome === 'failed' ? 'failed' : 'was cancelled';
  return {
    line: `${place.label}: nothing live; no deploy has gone live yet (the last, v${last.number}, ${ended}: its thread says why)`,
    count: `nothing live (v${last.number} ${ended})`,
  };
}

/** The line of an app environment that went live and runs no replica: scaled to 0, or its replicas are gone. */
function noReplicas(label: string, app: string, env: string, want: number): string {
  const scale = `"scale ${app} <n>${env === 'production' ? '' : ` --env ${env}`}"`;
  return want === 0
    ? `${label}: scaled to 0, no replicas run (${scale} or a deploy starts them again)`
    : `${label}: no replicas running of ${want} desired`;
}

/**
 * status [app] [--env <env>]: instances of one app or of all apps, read from the drivers: in the
 * environment named, or, with no --env, in every environment each app has (an environment is
 * then named beside its app wherever the app has more than one).
 */
export const statusProcessor: JobProcessor = {
  mutates: false,
  async run({ data, io, config, drivers, desired, releases }) {
    const apps = data.app ? [findApp(config, data.app)] : config.apps;
    const named = typeof data.args.env === 'string';
    if (data.app && named) checkEnvironment(apps[0]!, data.env);
    const places = apps.flatMap((app) =>
      (named ? (hasEnvironment(app, data.env) ? [data.env] : []) : Object.keys(app.environments)).map((env) => ({
        app: appIn(app, env),
        env,
        label: !named && Object.keys(app.environments).length > 1 ? `${app.name} (${env})` : app.name,
      })),
    );
    const tables: string[] = [];
    const counts: Array<{ label: string; value: string }> = [];
    let healthy = 0;
    let total = 0;
    /** Places that went live and were scaled to 0; replicas desired where a place that went live runs none. */
    let zero = 0;
    let missing = 0;
    /** Places never deployed, and places whose deploys all failed or were cancelled. */
    let fresh = 0;
    let unlive = 0;
    /** Places that went live and run fewer replicas than desired, or one that is not running or fails its health check. */
    let lacking = 0;
    for (const { app, env, label } of places) {
      const driver = drivers[app.runtime];
      if (!driver && !data.app) {
        tables.push(`${label}: the ${app.runtime} runtime has no driver here yet`);
        continue;
      }
      const instances = await (driver ?? driverFor(drivers, app)).status(app, env);
      total += instances.length;
      healthy += instances.filter((i) => i.healthy).length;
      // Desired vs running: what `scale` (or config's `replicas`) asks for, and the replicas running now.
      const want = desired ? await desired.get(app.name, env, app.replicas) : app.replicas;
      const up = instances.filter((i) => i.state === 'running').length;
      const burst = desired ? await desired.burst(app.name, env) : undefined;
      const bursting = burst ? `, bursting ${describeBurst(burst, { app: app.name, env, base: want }, io.now())}` : '';
      const none = instances.length === 0 ? await nothingLive(releases, { app: app.name, env, label }) : undefined;
      counts.push({ label: `${label} replicas`, value: none ? none.count : `desired ${want}${bursting}, running ${up}` });
      if (none) {
        if (none.count === 'not deployed yet') fresh += 1;
        else unlive += 1;
      }
      if (!none && (up < want || instances.some((i) => i.state !== 'running' || i.healthy === false))) lacking += 1;
      if (!none && instances.length === 0) {
        if (want === 0) zero += 1;
        else missing += want;
      }
      tables.push(
        none ? none.line : instances.length === 0 ? noReplicas(label, app.name, env, want) : formatInstances(label, instances, io.now()),
      );
    }
    const shown = new Set(places.map((p) => p.app.name)).size;
    const scope = data.app ?? `${shown} app${shown === 1 ? '' : 's'}`;
    const envs = [...new Set(places.map((p) => p.env))];
    const where = envs.length > 0 ? envs.join(', ') : data.env;
    return {
      title:
        data.app && fresh > 0 && fresh === places.length
          ? `${scope}: not deployed yet (${where})`
          : data.app && unlive > 0 && fresh + unlive === places.length
            ? `${scope}: nothing live, no deploy has gone live yet (${where})`
            : data.app && total === 0 && missing > 0
              ? `${scope}: no replicas running of ${missing} desired (${where})`
              : data.app && zero > 0 && zero === places.length
                ? `${scope}: scaled to 0, not serving (${where})`
                : `${scope}: ${healthy}/${total} instances healthy${besides(data.app ? {} : { zero, fresh, unlive, missing })} (${where})`,
      code: tables.length > 0 ? tables : ['no apps are configured'],
      ...(counts.length > 0 ? { fields: counts } : {}),
      // Marked for a look, not as all well: replicas missing, down or unhealthy, or no deploy gone live after one was tried.
      ...(lacking + unlive > 0 ? { attention: true as const } : {}),
    };
  },
};

/** What the count of instances leaves out (app environments scaled to 0, never deployed, with nothing live, replicas desired that do not run): all apps' status says it. */
function besides(n: { zero?: number; fresh?: number; unlive?: number; missing?: number }): string {
  const parts = [
    n.zero ? `${n.zero} scaled to 0` : '',
    n.fresh ? `${n.fresh} not deployed yet` : '',
    n.unlive ? `${n.unlive} with nothing live` : '',
    n.missing ? `${n.missing} desired not running` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `; ${parts.join(', ')}` : '';
}
