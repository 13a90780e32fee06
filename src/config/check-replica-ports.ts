import { DEFAULT_REPLICA_PORTS, parsePortRange, type PortRange } from './port-range.ts';

type Problem = { path: Array<string | number>; message: string };
const show = (r: PortRange) => `${r.from}-${r.to}`;
const overlaps = (a: PortRange, b: PortRange) => a.from <= b.to && b.from <= a.to;
const VALID = /^\d{4,5}-\d{4,5}$/;

/**
 * Replica ports as config errors (on the raw input, beside the field errors): an environment's
 * own `replicaPorts` must not overlap another's or the shared `frontDoor.replicaPorts` (else
 * the two would pick the same ports), must hold both releases of a deploy side by side (twice
 * the environment's `replicas`), and no range may contain a front-door port (the front door listens there).
 */
export function checkReplicaPorts(raw: unknown): Problem[] {
  const { apps, frontDoor } = (raw ?? {}) as { apps?: unknown; frontDoor?: { replicaPorts?: unknown } };
  if (!Array.isArray(apps)) return [];
  const poolText = typeof frontDoor?.replicaPorts === 'string' ? frontDoor.replicaPorts : DEFAULT_REPLICA_PORTS;
  const pool = VALID.test(poolText) ? parsePortRange(poolText) : undefined;
  const doors: Array<{ port: number; owner: string }> = [];
  const ranges: Array<{ range: PortRange; owner: string; path: Array<string | number>; replicas: number }> = [];
  apps.forEach((app: unknown, i) => {
    const { name, port, replicas = 1, environments = { production: {} } } = (app ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !environments || typeof environments !== 'object') return;
    for (const [env, settings] of Object.entries(
      environments as Record<string, { port?: unknown; replicaPorts?: unknown; replicas?: unknown }>,
    )) {
      const count = settings?.replicas ?? replicas;
      const door = typeof settings?.port === 'number' ? settings.port : port;
      if (typeof door === 'number') doors.push({ port: door, owner: `${name} (${env})` });
      if (typeof settings?.replicaPorts === 'string' && VALID.test(settings.replicaPorts))
        ranges.push({
          range: parsePortRange(settings.replicaPorts),
          owner: `${name} (${env})`,
          path: ['apps', i, 'environments', env, 'replicaPorts'],
          replicas: typeof count === 'number' ? count : 1,
        });
    }
  });
  const problems: Problem[] = [];
  ranges.forEach(({ range, owner, path, replicas }, k) => {
    const other = ranges.slice(0, k).find((r) => overlaps(r.range, range));
    if (other) problems.push({ path, message: `${show(range)} overlaps the replica ports of ${other.owner} (${show(other.range)})` });
    if (pool && overlaps(pool, range))
      problems.push({ path, message: `${show(range)} overlaps frontDoor.replicaPorts (${show(pool)}); pick ports outside it, or move it` });
    if (range.to - range.from + 1 < 2 * replicas)
      problems.push({
        path,
        message: `${show(range)} holds ${range.to - range.from + 1} port(s); ${owner} needs at least ${2 * replicas} (${replicas} replica(s), old and new side by side)`,
      });
  });
  for (const door of doors) {
    const inside = ranges.find((r) => door.port >= r.range.from && door.port <= r.range.to);
    if (inside)
      problems.push({ path: inside.path, message: `${show(inside.range)} contains ${door.port}, the front-door port of ${door.owner}` });
    else if (pool && door.port >= pool.from && door.port <= pool.to)
      problems.push({
        path: ['frontDoor', 'replicaPorts'],
        message: `${show(pool)} contains ${door.port}, the front-door port of ${door.owner}; give the app a port outside it, or move the range`,
      });
  }
  return problems;
}
