import { checkAccess } from './access-schema.ts';
import { checkContainerNames } from './check-container-names.ts';
import { checkHostnames } from './check-hostnames.ts';
import { checkReplicaPorts } from './check-replica-ports.ts';
import { checkSchedules } from './schedule-schema.ts';
import { checkTargets } from './target-schema.ts';
import { checkXen } from './xen-schema.ts';

/**
 * A secret also under `env`: its value would be written in voxoz.yml (and the deploy would take
 * the one from voxoz's environment, or fail without one). A secret's value never belongs there.
 */
function secretsInEnv(app: unknown, i: number): Array<{ path: Array<string | number>; message: string }> {
  const { env, secrets, environments } = (app ?? {}) as { env?: unknown; secrets?: unknown; environments?: unknown };
  if (!Array.isArray(secrets)) return [];
  // The app's env, and each environment's own (environments.<name>.env).
  const places: Array<{ where: string; vars: unknown }> = [{ where: 'env', vars: env }];
  if (environments && typeof environments === 'object')
    for (const [name, settings] of Object.entries(environments as Record<string, { env?: unknown }>))
      places.push({ where: `environments.${name}.env`, vars: settings?.env });
  return secrets.flatMap((name: unknown, j) => {
    if (typeof name !== 'string') return [];
    const under = places.find(({ vars }) => vars && typeof vars === 'object' && Object.hasOwn(vars, name));
    if (!under) return [];
    return [
      {
        path: ['apps', i, 'secrets', j],
        message: `${name} is also under ${under.where}, with its value written in voxoz.yml; a secret's value comes from voxoz's environment (e.g. /etc/voxoz/voxoz.env), never from voxoz.yml: remove it from ${under.where}`,
      },
    ];
  });
}

/** Problems that span entries (run on the raw input, so they are reported alongside field errors). */
export function crossCheck(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const apps = (raw as { apps?: unknown })?.apps;
  if (!Array.isArray(apps)) return [...checkAccess(raw), ...checkSchedules(raw), ...checkXen(raw), ...checkTargets(raw)];
  const seen = new Map<string, number>();
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const taken: Array<{ from: number; to: number; owner: string }> = [];
  apps.forEach((app: unknown, i) => {
    const {
      name,
      port,
      replicas = 1,
      environments = { production: {} },
    } = (app ?? {}) as { name?: unknown; port?: unknown; replicas?: unknown; environments?: unknown };
    problems.push(...secretsInEnv(app, i));
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first !== undefined)
      problems.push({ path: ['apps', i, 'name'], message: `"${name}" is already used by apps[${first}]; app names must be unique` });
    else seen.set(name, i);
    if (typeof port !== 'number' || typeof replicas !== 'number' || !environments || typeof environments !== 'object') return;
    for (const [env, settings] of Object.entries(environments as Record<string, { port?: unknown; replicas?: unknown }>)) {
      const from = typeof settings?.port === 'number' ? settings.port : port;
      const count = typeof settings?.replicas === 'number' ? settings.replicas : replicas;
      const clash = taken.find((t) => from < t.to && t.from < from + count);
      const owner = `${name} (${env})`;
      if (clash)
        problems.push({
          path: ['apps', i, 'environments', env],
          message: `ports ${from}..${from + count - 1} of ${owner} overlap ${clash.owner} on ${clash.from}..${clash.to - 1}; give it its own "port" (replicas share the host's network)`,
        });
      else taken.push({ from, to: from + count, owner });
    }
  });
  return [
    ...problems,
    ...checkContainerNames(apps),
    ...checkReplicaPorts(raw),
    ...checkHostnames(raw),
    ...checkAccess(raw),
    ...checkSchedules(raw),
    ...checkXen(raw),
    ...checkTargets(raw),
  ];
}
