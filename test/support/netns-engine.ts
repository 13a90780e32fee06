import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { ensureBusyboxImage } from '../../src/drivers/docker/ensure-busybox-image.ts';
import { ensureDockerd } from '../../src/services/dockerd.ts';
import { unmountUnder } from '../../src/services/unmount-under.ts';

const run = promisify(execFile);

/**
 * Waits (blocking, up to 2 s) until every thread of `pid` is stopped: a SIGSTOP is delivered to
 * each thread as it next runs, so the engine is frozen only once /proc says so of all of them.
 */
function waitStopped(pid: number): void {
  // The state follows the command name in parentheses, which may itself hold spaces; a thread gone meanwhile runs no more.
  const state = (tid: string) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return stat.charAt(stat.lastIndexOf(')') + 2);
    } catch {
      return 'T';
    }
  };
  const stopped = () => readdirSync(`/proc/${pid}/task`).every((tid) => 'Tt'.includes(state(tid)));
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const until = Date.now() + 2000; !stopped(); Atomics.wait(pause, 0, 0, 5))
    if (Date.now() > until) throw new Error(`the engine's dockerd (pid ${pid}) did not stop within 2 s of SIGSTOP`);
}

export interface NetnsEngine {
  /** The namespace's name (`vx-<random>`) under /run/netns. */
  netns: string;
  /** unix://…/docker.sock: reachable from the test's namespace, like a remote engine's API. */
  host: string;
  docker: Docker;
  /** GET http://127.0.0.1:<port><path> from inside the namespace (busybox wget): the body, or undefined when it fails. */
  fetchInside(port: number, path?: string): Promise<string | undefined>;
  /** The same request, answering what busybox wget printed either way (the body, or e.g. "… HTTP/1.1 503 …", "… Connection refused"). */
  wgetInside(port: number, path?: string): Promise<string>;
  /** Sets net.ipv4.tcp_migrate_req in the namespace (see NetnsEngineOptions.listenerHandover). */
  setListenerHandover(on: boolean): void;
  /** Freezes the engine's process (SIGSTOP): its API and, on a Swarm node, its heartbeats stop answering; its containers keep running. */
  pause(): void;
  /** Lets a paused engine run again (SIGCONT). */
  resume(): void;
  /** Stops the engine (resumed first if paused), unmounts what it left, deletes the namespace and the folder; safe to call twice. */
  stop(): Promise<void>;
}

export interface NetnsEngineOptions {
  /** false for a Swarm node (swarm mode refuses live-restore). @defaultValue true (ensureDockerd's) */
  liveRestore?: boolean;
  /** Registries (host:port) the engine may use over plain HTTP. @defaultValue [] */
  insecureRegistries?: string[];
  /** Folder prefix of the temp folder (keep it short: the socket path allows 107 bytes). @defaultValue /tmp/vxn- */
  prefix?: string;
  /**
   * Sets net.ipv4.tcp_migrate_req=1 in the namespace (a new namespace starts at 0), as README's
   * "Production" asks of every host with a front door on it: a Caddy config change then hands
   * connections queued on its old listening socket to the new one instead of resetting them.
   * @defaultValue true
   */
  listenerHandover?: boolean;
}

/**
 * A second private Docker engine in a network namespace of its own (lo up, nothing else): a
 * stand-in for a remote engine whose containers' 127.0.0.1 is not the worker's. Data and exec
 * root and the socket live in a temp folder (short, under /tmp: sockets allow 107 bytes);
 * `busybox:latest` is imported. Needs root, iproute2, util-linux and docker.io.
 */
export async function startNetnsEngine(opts: NetnsEngineOptions = {}): Promise<NetnsEngine> {
  const netns = `vx-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(opts.prefix ?? '/tmp/vxn-');
  execFileSync('ip', ['netns', 'add', netns]);
  let stopEngine: (() => Promise<void>) | undefined;
  let pid: number | undefined;
  const signal = (name: NodeJS.Signals) => {
    if (pid !== undefined) process.kill(pid, name);
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      signal('SIGCONT');
    } catch {}
    await stopEngine?.().catch(() => undefined);
    unmountUnder(dir);
    execFileSync('ip', ['netns', 'del', netns]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    execFileSync('nsenter', [`--net=/run/netns/${netns}`, 'ip', 'link', 'set', 'lo', 'up']);
    const setListenerHandover = (on: boolean) =>
      execFileSync('nsenter', [`--net=/run/netns/${netns}`, 'busybox', 'sysctl', '-w', `net.ipv4.tcp_migrate_req=${on ? 1 : 0}`]);
    setListenerHandover(opts.listenerHandover !== false);
    const engine = await ensureDockerd(join(dir, 'd'), { netns });
    stopEngine = engine.stop;
    pid = engine.pid;
    const docker = createDockerClient(engine.host);
    if (opts.liveRestore === false || (opts.insecureRegistries ?? []).length > 0) await reconfigure(docker, engine.host, opts);
    await ensureBusyboxImage(docker);
    const fetchInside = async (port: number, path = '/') => {
      const args = [`--net=/run/netns/${netns}`, 'busybox', 'wget', '-q', '-O-', `http://127.0.0.1:${port}${path}`];
      return run('nsenter', args, { timeout: 5000 }).then(
        (r) => r.stdout,
        () => undefined,
      );
    };
    const wgetInside = async (port: number, path = '/') => {
      const args = [`--net=/run/netns/${netns}`, 'busybox', 'wget', '-q', '-O-', `http://127.0.0.1:${port}${path}`];
      return run('nsenter', args, { timeout: 5000 }).then(
        (r) => r.stdout,
        (err: { stdout?: string; stderr?: string; message: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}` || err.message,
      );
    };
    const pause = () => {
      signal('SIGSTOP');
      if (pid !== undefined) waitStopped(pid);
    };
    const resume = () => signal('SIGCONT');
    return { netns, host: engine.host, docker, fetchInside, wgetInside, setListenerHandover, pause, resume, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Applies what ensureDockerd does not take (live-restore off, insecure registries) by a reload:
 * its own config file rewritten, then SIGHUP (both are reloadable), waited for in /info.
 */
async function reconfigure(docker: Docker, host: string, opts: NetnsEngineOptions): Promise<void> {
  const dir = dirname(host.slice('unix://'.length));
  const registries = opts.insecureRegistries ?? [];
  const config = { 'live-restore': opts.liveRestore ?? true, ...(registries.length > 0 ? { 'insecure-registries': registries } : {}) };
  writeFileSync(join(dir, 'daemon.json'), `${JSON.stringify(config)}\n`);
  process.kill(Number(readFileSync(join(dir, 'docker.pid'), 'utf8').trim()), 'SIGHUP');
  const applied = async () => {
    const info = await docker.info();
    const cidrs = (info.RegistryConfig?.IndexConfigs ?? {}) as Record<string, { Secure?: boolean }>;
    return info.LiveRestoreEnabled === config['live-restore'] && registries.every((r) => cidrs[r]?.Secure === false);
  };
  for (let i = 0; i < 100; i++) {
    if (await applied()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the engine at ${host} did not apply ${JSON.stringify(config)} within 10 s`);
}
