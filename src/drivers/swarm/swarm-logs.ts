import type Docker from 'dockerode';
import { demuxFrames, framesToLines, tailContainerLogs } from '../docker/container-logs.ts';
import { type FollowMore, followEngineLog, type NextRun } from '../docker/engine-follow.ts';
import { UserError } from '../../core/user-error.ts';
import type { LogLine, LogOptions } from '../driver.ts';
import { type FollowSource, mergeFollowed, STARTED_SINCE } from '../follow-lines.ts';
import { releaseOf, type ServiceInfo, serviceTasks, type TaskInfo } from './swarm-services.ts';

/** A task's states on its way to running (Swarm has not yet said that it stopped). */
const UNDER_WAY = new Set(['new', 'pending', 'assigned', 'accepted', 'ready', 'preparing', 'starting', 'running']);
/** How long a followed task whose log ended may still say it is under way. @defaultValue 3000 */
const SETTLES_MS = 3000;
/** How long a failed task's slot may wait for Swarm's new task to run (its restart delay is 1 s). @defaultValue 30000 */
const REPLACED_WITHIN_MS = 30_000;
const LOOK_MS = 250;

/** What a follow says of Swarm's new task in a slot it followed. */
export const swarmRestarted = (slot: number) =>
  `Swarm started a new task in slot ${slot} in place of the one that stopped (it exited, or its node went); its lines follow`;

/**
 * `logs` of an app environment's services: each running task's last lines (and with
 * `followSeconds`, the new ones as they come), read through the task's node's engine, or
 * through Swarm's own task logs when that engine is not known (`nodes`).
 */
export async function* swarmLogs(
  docker: Docker,
  nodes: ReadonlyArray<{ id: string; engine: Docker }>,
  services: ReadonlyArray<ServiceInfo>,
  opts: LogOptions & { app: string; env: string },
  stop: AbortSignal,
  /** The app environment's services again, to follow the tasks that start meanwhile (a deploy's new service). */
  servicesNow?: () => Promise<ReadonlyArray<ServiceInfo>>,
): AsyncIterable<LogLine> {
  const follow: FollowSource[] = [];
  const began = Math.floor(Date.now() / 1000);
  const since = opts.sinceSeconds ? { since: began - opts.sinceSeconds } : {};
  const query = { stdout: true, stderr: true, tail: opts.tail, ...since };
  const runningTasks = async (list: ReadonlyArray<ServiceInfo>) => {
    const out: Array<{ s: ServiceInfo; t: TaskInfo }> = [];
    for (const s of list) for (const t of await serviceTasks(docker, s.ID)) if (t.DesiredState === 'running') out.push({ s, t });
    return out;
  };
  const running = await runningTasks(services);
  if (running.length === 0)
    throw new UserError(
      'no_replicas',
      `no task of ${opts.app} (${opts.env}) is running, so there are no logs to show; "status ${opts.app}" shows its state`,
    );
  const chosen = running.filter(({ t }) => opts.replica === undefined || Number(t.Slot) === opts.replica);
  if (chosen.length === 0)
    throw new UserError(
      'replica_not_found',
      `${opts.app} (${opts.env}) has no running task in slot ${opts.replica}; give --replica one of: ${running.map(({ t }) => t.Slot).join(', ')}`,
    );
  const engineOf = (t: TaskInfo) => {
    const node = nodes.find((n) => n.id === t.NodeID);
    const container = t.Status?.ContainerStatus?.ContainerID as string | undefined;
    return node && container ? node.engine.getContainer(container) : undefined;
  };
  const replicaOf = (s: ServiceInfo, t: TaskInfo) => ({
    instance: `${s.Spec?.Name}.${t.Slot}`,
    replica: Number(t.Slot),
    release: releaseOf(s),
  });
  const openTask = (t: TaskInfo, from: Record<string, unknown>) => {
    const engine = engineOf(t);
    return (abortSignal: AbortSignal) =>
      engine
        ? (engine.logs({ ...from, follow: true, abortSignal }) as Promise<NodeJS.ReadableStream>)
        : openSwarmLog(docker, `/tasks/${t.ID}/logs`, from, abortSignal);
  };
  /** After a followed task's log ended: Swarm's new task in its slot when the task failed (its restart policy). */
  const nextTask = (s: ServiceInfo, first: TaskInfo): NextRun => {
    let current = first;
    return async (stop) => {
      const began = Date.now();
      while (!stop.aborted) {
        const tasks = await serviceTasks(docker, s.ID).catch(() => undefined);
        const state = tasks?.find((x) => x.ID === current.ID)?.Status?.State;
        // Stopped in order (a deploy, scale, rollback, restart) or gone: no new task comes.
        if (!tasks || !state || (state !== 'failed' && (!UNDER_WAY.has(state) || Date.now() - began > SETTLES_MS))) return undefined;
        const newer =
          state === 'failed'
            ? tasks.find((x) => x.Slot === current.Slot && x.ID !== current.ID && x.DesiredState === 'running')
            : undefined;
        // The follow's look for new replicas took it first: its part says so.
        if (newer && seen.has(newer.ID)) return undefined;
        if (newer?.Status?.State === 'running') {
          seen.add(newer.ID);
          current = newer;
          return { text: swarmRestarted(Number(newer.Slot)), open: openTask(newer, { stdout: true, stderr: true }) };
        }
        if (Date.now() - began > REPLACED_WITHIN_MS) return undefined;
        await new Promise((resolve) => setTimeout(resolve, LOOK_MS));
      }
      return undefined;
    };
  };
  const followTask = (s: ServiceInfo, t: TaskInfo, from: Record<string, unknown>, first: FollowMore = {}) =>
    followEngineLog(openTask(t, from), replicaOf(s, t), 'the task stopped (a deploy, scale, rollback or restart replaced it?)', {
      ...first,
      next: nextTask(s, t),
    });
  for (const { s, t } of chosen) {
    const engine = engineOf(t);
    const replica = replicaOf(s, t);
    if (opts.followSeconds) {
      follow.push(followTask(s, t, query));
      continue;
    }
    const buf = engine
      ? Buffer.from((await engine.logs({ ...query, follow: false })) as unknown as Buffer)
      : await readSwarmLogs(docker, `/tasks/${t.ID}/logs`, query);
    for (const f of framesToLines(demuxFrames(buf))) yield { ...replica, stream: f.stream, text: f.text };
  }
  if (!opts.followSeconds) return;
  // Tasks found later started after the follow began: all they wrote since then.
  const seen = new Set(running.map(({ t }) => t.ID));
  // A new task in a slot of a service already followed is Swarm's, in place of one that stopped.
  const slot = (s: ServiceInfo, t: TaskInfo) => `${s.ID} ${t.Slot}`;
  const slots = new Set(chosen.map(({ s, t }) => slot(s, t)));
  const discover = servicesNow
    ? async () => {
        const fresh = (await runningTasks(await servicesNow())).filter(
          ({ t }) => !seen.has(t.ID) && t.Status?.State === 'running' && (opts.replica === undefined || Number(t.Slot) === opts.replica),
        );
        for (const { t } of fresh) seen.add(t.ID);
        return fresh.map(({ s, t }) => {
          const again = slots.has(slot(s, t));
          slots.add(slot(s, t));
          const first = again ? { restarted: swarmRestarted(Number(t.Slot)) } : { started: STARTED_SINCE };
          return followTask(s, t, { stdout: true, stderr: true, since: began }, first);
        });
      }
    : undefined;
  yield* mergeFollowed(follow, opts.followSeconds, stop, discover);
}

/**
 * The last lines of the first of `tasks` whose container says something, read through its
 * node's engine (`nodes`: the engines known by node id); the service's logs (Swarm's log
 * broker) when no engine of their nodes is known or none says anything.
 */
export async function taskLogTail(
  docker: Docker,
  nodes: ReadonlyArray<{ id: string; engine: Docker }>,
  serviceId: string,
  tasks: TaskInfo[],
  tail: number,
): Promise<string[]> {
  for (const t of tasks) {
    const node = nodes.find((n) => n.id === t.NodeID);
    const container = t.Status?.ContainerStatus?.ContainerID as string | undefined;
    if (!node || !container) continue;
    const lines = await tailContainerLogs(node.engine, container, tail).catch(() => [] as string[]);
    if (lines.length > 0) return lines;
  }
  const buf = await readSwarmLogs(docker, `/services/${serviceId}/logs`, { stdout: true, stderr: true, tail }).catch(() => Buffer.alloc(0));
  return framesToLines(demuxFrames(buf)).map((f) => f.text);
}

/** A non-following log read (service or task) through the engine, as the multiplexed bytes. */
export function readSwarmLogs(docker: Docker, path: string, options: Record<string, unknown>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `${path}?`,
        method: 'GET',
        options,
        isStream: true,
        statusCodes: { 200: true, 404: 'no such service or task', 500: 'server error', 503: 'node is not part of a swarm' },
      },
      ((err: Error | null, stream: NodeJS.ReadableStream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        const timer = setTimeout(() => (stream as unknown as { destroy(): void }).destroy(), 10_000);
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          clearTimeout(timer);
          resolve(Buffer.concat(chunks));
        });
        stream.on('close', () => {
          clearTimeout(timer);
          resolve(Buffer.concat(chunks));
        });
        stream.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      }) as never,
    );
  });
}

/** A following log read (a task's) through the engine: the multiplexed stream, open until the task ends or `stop` aborts. */
export function openSwarmLog(
  docker: Docker,
  path: string,
  options: Record<string, unknown>,
  stop: AbortSignal,
): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `${path}?`,
        method: 'GET',
        options: { ...options, follow: true },
        isStream: true,
        abortSignal: stop,
        statusCodes: { 200: true, 404: 'no such service or task', 500: 'server error', 503: 'node is not part of a swarm' },
      },
      ((err: Error | null, stream: NodeJS.ReadableStream) => (err ? reject(err) : resolve(stream))) as never,
    );
  });
}
