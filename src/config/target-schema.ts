import { z } from 'zod';

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/** Target names become parts of queue names, messages and Redis keys. */
export const TARGET_NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** The implicit target: the engine at DOCKER_HOST (or voxoz's own dockerd). */
export const LOCAL_TARGET = 'local';
/** An engine address as DOCKER_HOST takes it. */
const ENGINE_ADDRESS = /^(unix:\/\/\/[A-Za-z0-9._/-]+|tcp:\/\/[A-Za-z0-9.:[\]-]+|ssh:\/\/[A-Za-z0-9._@:[\]-]+)$/;
/** A Swarm placement constraint as `docker service create --constraint` takes it. */
const CONSTRAINT =
  /^(node\.(id|hostname|role|platform\.os|platform\.arch)|node\.labels\.[A-Za-z0-9._-]+|engine\.labels\.[A-Za-z0-9._-]+)\s*(==|!=)\s*[A-Za-z0-9._-]+$/;

const target = z.strictObject({
  name: z
    .string()
    .regex(TARGET_NAME, { error: (iss) => `must be lowercase letters, digits and dashes, e.g. swarm-eu, got ${show(iss.input)}` })
    .refine((n) => n !== LOCAL_TARGET, { error: `"${LOCAL_TARGET}" is the engine at DOCKER_HOST; name this target otherwise` }),
  /** `engine`: one Docker engine; `swarm`: a Swarm manager, the app's replicas spread over its nodes. */
  kind: z.enum(['engine', 'swarm'], { error: (iss) => `must be "engine" or "swarm", got ${show(iss.input)}` }),
  /** The engine's (a Swarm manager's) API, as DOCKER_HOST takes it: unix:///…, tcp://…, ssh://…. */
  host: z.string().regex(ENGINE_ADDRESS, {
    error: (iss) => `must be an engine address like unix:///run/docker.sock or ssh://deploy@host, got ${show(iss.input)}`,
  }),
  /**
   * engine: where it runs seen from voxoz's workers. `local` shares their network namespace
   * (replicas on 127.0.0.1 answer the workers and voxoz's front door); `remote` has a loopback
   * of its own (the engine checks replicas, the front door is a container on it).
   * @defaultValue a unix socket or loopback tcp:// is local, any other host remote
   */
  location: z.enum(['local', 'remote'], { error: 'must be "local" or "remote"' }).optional(),
  /**
   * Swarm: the registry (host:port) images are pushed to and every node pulls from. Without
   * one, voxoz loads each image into every node's engine (`nodes`) itself.
   */
  registry: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, { error: (iss) => `must be host:port, e.g. registry.internal:5000, got ${show(iss.input)}` })
    .optional(),
  /** Swarm without a registry: every node's engine API, images are loaded into each. @defaultValue [] */
  nodes: z
    .array(z.string().regex(ENGINE_ADDRESS, { error: 'must be an engine address like unix:///run/docker.sock' }))
    .max(64)
    .default([]),
  /** Swarm: where replicas go. */
  placement: z
    .strictObject({
      /** A node label replicas spread evenly over (a placement preference), e.g. `zone` for node.labels.zone. */
      spread: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/)
        .optional(),
      /** Constraints every replica's node must meet, e.g. "node.labels.tier==web". @defaultValue [] */
      constraints: z
        .array(z.string().regex(CONSTRAINT, { error: 'must be like node.labels.tier==web' }))
        .max(16)
        .default([]),
    })
    .default({ constraints: [] }),
});

export type TargetSpec = z.infer<typeof target>;

/** `targets:` Docker engines and Swarms besides the one at DOCKER_HOST (`local`); an environment picks one with `target`. */
export const targetsSection = {
  targets: z.array(target).max(64).default([]),
};

/** Problems no single field shows: duplicate names, an environment's unknown target, a swarm without a way to ship images. */
export function checkTargets(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const targets = (raw as { targets?: unknown })?.targets;
  const list = Array.isArray(targets) ? (targets as Array<{ name?: unknown; kind?: unknown; registry?: unknown; nodes?: unknown }>) : [];
  const names = new Set<string>([LOCAL_TARGET]);
  list.forEach((t, i) => {
    if (typeof t?.name !== 'string') return;
    if (names.has(t.name) && t.name !== LOCAL_TARGET)
      problems.push({ path: ['targets', i, 'name'], message: `"${t.name}" is named twice` });
    names.add(t.name);
    if (t.kind === 'swarm' && t.registry === undefined && !(Array.isArray(t.nodes) && t.nodes.length > 0))
      problems.push({
        path: ['targets', i],
        message:
          'a swarm needs a way to get images to its nodes: a registry (host:port) they pull from, or nodes (each node engine, images are loaded into each)',
      });
  });
  const apps = (raw as { apps?: unknown })?.apps;
  if (!Array.isArray(apps)) return problems;
  apps.forEach((app: { runtime?: unknown; environments?: unknown }, i) => {
    const envs =
      app?.environments && typeof app.environments === 'object' ? (app.environments as Record<string, { target?: unknown }>) : {};
    for (const [env, settings] of Object.entries(envs)) {
      const t = settings?.target;
      if (t === undefined) continue;
      if (app.runtime === 'ling')
        problems.push({ path: ['apps', i, 'environments', env, 'target'], message: 'a ling app runs on xenHosts, not on a Docker target' });
      else if (typeof t === 'string' && !names.has(t))
        problems.push({
          path: ['apps', i, 'environments', env, 'target'],
          message: `no target is named "${t}" (targets: ${[...names].join(', ')})`,
        });
    }
  });
  return problems;
}

/** The Docker target an app environment deploys to. */
export function environmentTarget(app: { environments: Readonly<Record<string, { target?: string }>> }, env: string): string {
  return app.environments[env]?.target ?? LOCAL_TARGET;
}
