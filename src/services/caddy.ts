import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { caddyAdmin } from '../frontdoor/caddy-admin.ts';
import { type Handover, ensureListenerHandover } from './listener-handover.ts';
import { isRunning, readPidFile, stopProcess } from './process-info.ts';
import { MAX_SOCKET_PATH } from './redis-server.ts';
import { spawnDetached } from './spawn-detached.ts';
import { waitUntil } from './wait-until.ts';

export interface RunningCaddy {
  /** The admin API's unix socket (mode 0600 directory-protected): what the front door talks to. */
  socket: string;
  pid: number;
  /** True when a caddy left running by an earlier voxoz was taken over (its routes kept) instead of started. */
  adopted: boolean;
  /** Whether a config change can reset connections in flight (ensureListenerHandover): to be logged by the caller. */
  handover: Handover;
  /** Stops it (SIGTERM: Caddy closes its listeners and finishes in-flight requests) and waits until it is gone. */
  stop(): Promise<void>;
}

/** How long a stopping caddy may finish in-flight requests before it is killed. @defaultValue 10 s */
const STOP_GRACE_MS = 10_000;

/**
 * The base config: the admin API on a unix socket only (no TCP admin port any local user could
 * reach), an `origins` value the front door sends as its Host header (Caddy refuses admin calls
 * from any other Host), nothing persisted outside `dir` (no autosave: after a restart voxoz's
 * reconciler points each app environment at its live release again), certificates storage in
 * `dir`, and an empty HTTP app that the front door adds one server per app environment to.
 */
function baseConfig(dir: string, socket: string) {
  return {
    admin: { listen: `unix/${socket}`, origins: [caddyAdmin.HOST], config: { persist: false } },
    storage: { module: 'file_system', root: join(dir, 'storage') },
    logging: { logs: { default: { level: 'WARN' } } },
    // Caddy's own CA signs the certificates of environments' hostnames; its root is never put into the system's trust store.
    apps: { http: { servers: {} }, pki: { certificate_authorities: { local: { install_trust: false } } } },
  };
}

/**
 * voxoz's own Caddy, the front door of every app environment, following the rules of the other
 * own services (docs/decisions/2026-12-02-own-services.md): one per data dir (`dir`, normally
 * `<data>/caddy`; callers hold the data dir's lock), spawned in its own session so it outlives a
 * voxoz that dies, found again through its pid file and adopted with the routes it serves, so
 * apps stay reachable while voxoz restarts. Needs `caddy` (Debian: caddy 2.6).
 */
export async function ensureCaddy(dir: string): Promise<RunningCaddy> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const socket = join(root, 'admin.sock');
  const pidFile = join(root, 'caddy.pid');
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH)
    throw new Error(
      `the path of caddy's admin socket, ${socket}, is longer than ${MAX_SOCKET_PATH} bytes; set VOXOZ_DATA_DIR to a shorter path`,
    );
  const answers = async () => (await caddyAdmin.call(socket, 'GET', '/config/admin')).status === 200;
  const stopper = (pid: number) => () => stopProcess(pid, 'caddy', STOP_GRACE_MS);
  const handover = ensureListenerHandover();
  const running = readPidFile(pidFile);
  if (isRunning(running, 'caddy')) {
    await waitUntil(`the running caddy (pid ${running}) at ${socket}`, answers, 15_000);
    return { socket, pid: running, adopted: true, handover, stop: stopper(running) };
  }
  if (existsSync(socket)) rmSync(socket, { force: true });
  const configFile = join(root, 'caddy.json');
  writeFileSync(configFile, `${JSON.stringify(baseConfig(root, socket), null, 2)}\n`, { mode: 0o600 });
  const service = spawnDetached(
    'caddy',
    ['run', '--config', configFile, '--pidfile', pidFile],
    join(root, 'caddy.log'),
    'install it: apt-get install caddy',
  );
  await Promise.race([
    waitUntil(`caddy's admin API at ${socket}`, answers, 15_000),
    service.failed.then((err) => {
      throw err;
    }),
  ]);
  return { socket, pid: service.pid, adopted: false, handover, stop: stopper(service.pid) };
}
