/**
 * Where a Docker engine runs, seen from the worker: `local` engines share the worker's network
 * namespace, so a replica that binds 127.0.0.1:<port> (host networking) answers the worker and
 * voxoz's own front door there. A `remote` engine's 127.0.0.1 is its own: the worker cannot probe
 * its replicas, so the engine checks them itself (a Docker health check), and their address is
 * the engine host's, when one is known.
 */
export type EngineLocation =
  | { remote: false }
  | {
      remote: true /** Host name or IP its replicas are reached at; undefined when unknown (a forwarded unix socket). */;
      address?: string;
    };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * The rule: `setting` (VOXOZ_DOCKER_ENGINE) decides when given; otherwise an unset DOCKER_HOST,
 * a unix socket, or tcp:// to a loopback address is local, and tcp:// or ssh:// to any other
 * host is remote, reached at that host. A unix socket that leads to another machine (an ssh
 * tunnel, an engine in another network namespace) must be marked `remote`.
 */
export function engineLocation(dockerHost: string | undefined, setting?: 'local' | 'remote'): EngineLocation {
  const host = hostOf(dockerHost);
  if (setting === 'local') return { remote: false };
  if (setting === 'remote') return host && !LOOPBACK.has(host) ? { remote: true, address: host } : { remote: true };
  return host && !LOOPBACK.has(host) ? { remote: true, address: host } : { remote: false };
}

/** The host name in a tcp://, http(s):// or ssh:// DOCKER_HOST; undefined for a unix socket or none. */
function hostOf(dockerHost: string | undefined): string | undefined {
  if (!dockerHost || dockerHost.startsWith('/') || dockerHost.startsWith('unix://')) return undefined;
  try {
    return new URL(dockerHost).hostname || undefined;
  } catch {
    return undefined;
  }
}

/** Where a replica listening on `port` with host networking answers, as the engine's location says; undefined when unknown. */
export function replicaAt(engine: EngineLocation, port: number): string | undefined {
  if (!engine.remote) return `127.0.0.1:${port}`;
  return engine.address
    ? `${engine.address.includes(':') && !engine.address.startsWith('[') ? `[${engine.address}]` : engine.address}:${port}`
    : undefined;
}
