import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { isRunning, readPidFile, signalProcess, stopProcess, waitForExit } from './process-info.ts';
import { spawnDetached } from './spawn-detached.ts';
import { unmountUnder } from './unmount-under.ts';
import { waitUntil } from './wait-until.ts';

export interface RunningDockerd {
  /** A DOCKER_HOST value: unix:///…/docker.sock */
  host: string;
  pid: number;
  /** True when an engine left running by an earlier voxoz was taken over instead of started. */
  adopted: boolean;
  /** Stops the engine and its containers (they start again with it), then unmounts what it left. */
  stop(): Promise<void>;
}

/** GETs `path` from the Engine API at `socketPath`; undefined when it does not answer 200. */
function engineGet(socketPath: string, path: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolveGet) => {
    const req = request({ socketPath, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolveGet(res.statusCode === 200 ? body : undefined));
    });
    req.once('timeout', () => {
      req.destroy();
      resolveGet(undefined);
    });
    req.once('error', () => resolveGet(undefined));
    req.end();
  });
}

/** Answers true when the Docker Engine API at `socketPath` replies OK to /_ping. */
export async function pingDocker(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return (await engineGet(socketPath, '/_ping', timeoutMs)) !== undefined;
}

const writeDaemonConfig = (file: string, liveRestore: boolean) =>
  writeFileSync(file, `${JSON.stringify({ 'live-restore': liveRestore }, null, 2)}\n`, { mode: 0o600 });

/**
 * The private Docker engine of a data directory, with its own socket, data root and exec root
 * under `dir`; no bridge, no iptables rules (voxoz containers use host networking). It runs with
 * live-restore, so containers keep serving while the engine restarts, and in its own session, so
 * it outlives a voxoz that dies: the next voxoz adopts it. Its own config file keeps the host's
 * /etc/docker/daemon.json out. Needs root and `dockerd` (Debian: docker.io). Keep `dir` short: a
 * unix socket path may not exceed 107 bytes. Callers hold the data dir's lock.
 *
 * With `netns` (a name under /run/netns) the engine runs in that network namespace, entered with
 * `nsenter --net=` (`ip netns exec` hides the cgroups from dockerd): its containers' 127.0.0.1
 * is the namespace's, while its socket stays reachable from here, as a remote engine's would.
 */
export async function ensureDockerd(dir: string, opts: { netns?: string } = {}): Promise<RunningDockerd> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const socket = join(root, 'docker.sock');
  const pidFile = join(root, 'docker.pid');
  const configFile = join(root, 'daemon.json');
  const host = `unix://${socket}`;
  const running = readPidFile(pidFile);
  if (isRunning(running, 'dockerd')) {
    await waitUntil(`the running dockerd (pid ${running}) at ${socket}`, () => pingDocker(socket), 60_000, 200);
    return { host, pid: running, adopted: true, stop: () => stopDockerd(running, socket, configFile, root) };
  }
  // A pid file whose engine is gone (killed; the pid a zombie not yet reaped, or another
  // program's after a reboot) makes dockerd refuse to start: "pid file found".
  rmSync(pidFile, { force: true });
  // The same for the killed engine's containerd, which dies with it (its parent-death signal):
  // dockerd takes a pid file naming a process not yet reaped for a live containerd, waits on its
  // socket and gives up ("timeout waiting for containerd to start").
  const containerdPidFile = join(root, 'exec', 'containerd', 'containerd.pid');
  const containerd = readPidFile(containerdPidFile);
  if (isRunning(containerd, 'containerd')) await waitForExit(containerd, 'containerd', 5000);
  if (!isRunning(containerd, 'containerd')) rmSync(containerdPidFile, { force: true });
  // A killed engine leaves its mounts behind. Those of containers that still run (their shims
  // outlive the engine: live-restore) are theirs, and the new engine takes them over as they
  // are; unmounting them would take the running containers' files away. With none running, what
  // is left is cleared, so the new engine does not start on top of stale mounts.
  if (liveShims(root).length === 0) unmountUnder(root);
  writeDaemonConfig(configFile, true);
  const args = [
    '--config-file',
    configFile,
    '--bridge=none',
    '--iptables=false',
    '--ip-masq=false',
    '--ip6tables=false',
    '-H',
    host,
    '--data-root',
    join(root, 'data'),
    '--exec-root',
    join(root, 'exec'),
    '--pidfile',
    pidFile,
  ];
  // nsenter without --fork execs dockerd in its own process, so the pid is dockerd's.
  const service = opts.netns
    ? spawnDetached(
        'nsenter',
        [`--net=/run/netns/${opts.netns}`, 'dockerd', ...args],
        join(root, 'dockerd.log'),
        'install docker.io and util-linux',
      )
    : spawnDetached('dockerd', args, join(root, 'dockerd.log'), 'install it: apt-get install docker.io');
  await Promise.race([
    waitUntil(`dockerd at ${socket}`, () => pingDocker(socket), 60_000, 200),
    service.failed.then((err) => {
      throw err;
    }),
  ]);
  return { host, pid: service.pid, adopted: false, stop: () => stopDockerd(service.pid, socket, configFile, root) };
}

/**
 * A deliberate stop: live-restore is switched off first (a reload on SIGHUP), so the engine
 * stops its containers as it shuts down instead of leaving them and their mounts behind; their
 * restart policy brings them back with the next start.
 */
async function stopDockerd(pid: number, socket: string, configFile: string, root: string): Promise<void> {
  if (isRunning(pid, 'dockerd')) {
    writeDaemonConfig(configFile, false);
    signalProcess(pid, 'dockerd', 'SIGHUP');
    const reloaded = async () => JSON.parse((await engineGet(socket, '/info', 2000)) ?? '{}').LiveRestoreEnabled === false;
    await waitUntil('dockerd to reload with live-restore off', reloaded, 5000, 50).catch(() => undefined);
    await stopProcess(pid, 'dockerd', 20_000);
    writeDaemonConfig(configFile, true);
  }
  await waitForExit(pid, 'dockerd', 1000);
  const left = unmountUnder(root);
  if (left.length > 0) throw new Error(`could not unmount ${left.join(', ')}`);
}

/** Pids of the container shims of the engine under `root` that still run (each names its engine's containerd socket). */
export function liveShims(root: string): number[] {
  const address = join(root, 'exec', 'containerd', 'containerd.sock');
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return argv[0]?.includes('containerd-shim') && argv[argv.indexOf('-address') + 1] === address ? [Number(p)] : [];
      } catch {
        return [];
      }
    });
}

/** A fresh private engine for the test setup. */
export const startDockerd = ensureDockerd;
