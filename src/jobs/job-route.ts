import { hasEnvironment } from '../config/app-environment.ts';
import type { AppSpec, VoxozConfig } from '../config/schema.ts';
import { environmentTarget, LOCAL_TARGET } from '../config/target-schema.ts';
import type { JobData } from '../core/types.ts';

/** The queue of jobs on the engine at each worker's own DOCKER_HOST (target `local`) and of jobs about no app. */
export const DEFAULT_QUEUE = 'jobs';
/** The queue of LING jobs whose environment may use every Xen host. */
export const LING_QUEUE = `${DEFAULT_QUEUE}-ling`;
const TARGET_PREFIX = `${DEFAULT_QUEUE}-on-`;

type RouteConfig = Pick<VoxozConfig, 'apps' | 'xen' | 'targets'>;

/** The queue of a Docker target's jobs: only workers that reach that target take it. */
export function targetQueue(target: string): string {
  return target === LOCAL_TARGET ? DEFAULT_QUEUE : `${TARGET_PREFIX}${target}`;
}

/** The Xen hosts a LING app environment runs on, sorted (`environments.<env>.xenHosts`, else every host). */
export function lingHostsOf(config: RouteConfig, app: AppSpec, env: string): string[] {
  const listed = hasEnvironment(app, env) ? app.environments[env]?.xenHosts : undefined;
  return [...(listed ?? (config.xen?.hosts ?? []).map((h) => h.name))].sort();
}

/** The queue of LING jobs on exactly these hosts: only workers that reach every one of them take it. */
export function lingQueue(config: RouteConfig, hosts: readonly string[]): string {
  const all = (config.xen?.hosts ?? []).map((h) => h.name).sort();
  const sorted = [...hosts].sort();
  return sorted.join('+') === all.join('+') ? LING_QUEUE : `${LING_QUEUE}-${sorted.join('+')}`;
}

/**
 * Workers take jobs by what they reach, down to the target: a job of a `ling` app goes to the
 * queue of its environment's Xen hosts, a Docker app's job to the queue of its environment's
 * target (`jobs` for the engine at DOCKER_HOST), a job about no app to `jobs`. The queue is
 * written into the job, so its line and its cancel find it later.
 */
export function routeJob(config: RouteConfig, data: Pick<JobData, 'app' | 'env'>): string {
  const app = data.app === undefined ? undefined : config.apps.find((a) => a.name === data.app);
  if (!app) return DEFAULT_QUEUE;
  if (app.runtime === 'ling') return lingQueue(config, lingHostsOf(config, app, data.env));
  return hasEnvironment(app, data.env) ? targetQueue(environmentTarget(app, data.env)) : DEFAULT_QUEUE;
}

/** Every queue a job can be routed to under this config (cancel, lists and presence look in each). */
export function allQueues(config: RouteConfig): string[] {
  const names = new Set([DEFAULT_QUEUE]);
  for (const t of config.targets ?? []) names.add(targetQueue(t.name));
  for (const app of config.apps) {
    if (app.runtime !== 'ling') continue;
    names.add(LING_QUEUE);
    for (const env of Object.keys(app.environments)) names.add(lingQueue(config, lingHostsOf(config, app, env)));
  }
  return [...names];
}

/**
 * The queues a worker that reaches these takes: `jobs` with an engine at its DOCKER_HOST, a
 * target's queue when it reaches that target, a LING queue when it reaches every host of it.
 */
export function servedQueues(
  config: RouteConfig,
  reach: { engine: boolean; targets: ReadonlySet<string>; xenHosts: ReadonlySet<string> },
): string[] {
  return allQueues(config).filter((q) => {
    const needs = queueNeeds(config, q);
    if (needs.kind === 'engine') return reach.engine;
    if (needs.kind === 'target') return reach.targets.has(needs.target);
    return needs.hosts.length > 0 && needs.hosts.every((h) => reach.xenHosts.has(h));
  });
}

export type QueueNeeds = { kind: 'engine' } | { kind: 'target'; target: string } | { kind: 'xen'; hosts: string[] };

/** What a queue's workers must reach. */
export function queueNeeds(config: RouteConfig, queue: string): QueueNeeds {
  if (queue.startsWith(TARGET_PREFIX)) return { kind: 'target', target: queue.slice(TARGET_PREFIX.length) };
  if (queue === LING_QUEUE) return { kind: 'xen', hosts: (config.xen?.hosts ?? []).map((h) => h.name).sort() };
  if (queue.startsWith(`${LING_QUEUE}-`)) return { kind: 'xen', hosts: queue.slice(LING_QUEUE.length + 1).split('+') };
  return { kind: 'engine' };
}

/** The refusal of a job whose queue no live worker takes, naming what a worker must reach. */
export function unservedMessage(config: RouteConfig, queue: string): string {
  const needs = queueNeeds(config, queue);
  const what =
    needs.kind === 'engine'
      ? 'no worker reaches a Docker engine'
      : needs.kind === 'target'
        ? `no worker reaches the target ${needs.target}`
        : needs.hosts.length === 0
          ? 'no Xen host is configured (xen.hosts in voxoz.yml)'
          : `no worker reaches ${needs.hosts.length === 1 ? 'the Xen host' : 'all of the Xen hosts'} ${needs.hosts.join(', ')}`;
  return `${what}; start \`voxoz worker\` on a machine that does, then send the command again. Nothing was queued`;
}
