import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-fs';
import { type CaddyConfig, createConfigFrontDoor } from '../../frontdoor/caddy-config-front-door.ts';
import { type DoorLock, processDoorLock } from '../../frontdoor/door-lock.ts';
import { doorMade } from '../../frontdoor/door-made.ts';
import type { FrontDoor } from '../../frontdoor/front-door.ts';
import { demuxLogs } from './container-logs.ts';
import { LABEL } from './labels.ts';

/** The front door's image on the engine: Debian's caddy binary, the libraries it links, and busybox. */
export const FRONT_DOOR_IMAGE = 'voxoz-frontdoor:caddy';
const CONFIG_DIR = '/etc/caddy';
const CONFIG = `${CONFIG_DIR}/voxoz.json`;
/** Its admin API listens on a unix socket inside the container only; voxoz reaches it with `caddy reload` run by the engine. */
const INITIAL: CaddyConfig = {
  admin: { listen: 'unix//tmp/voxoz-caddy-admin.sock', config: { persist: false } },
  apps: { http: { servers: {} } },
};

/** The host's setting that hands a closing listener's queued connections over (see handoverWarning). */
const MIGRATE_SETTING = '/proc/sys/net/ipv4/tcp_migrate_req';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `cmd` (an argument array) in `container` through the engine: its exit code and output. */
async function execIn(container: Docker.Container, cmd: string[]): Promise<{ code: number; output: string }> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  const { ExitCode } = await exec.inspect();
  return { code: ExitCode ?? -1, output: demuxLogs(Buffer.concat(chunks)) };
}

/** A tar of `files` (path inside → content or a host file to copy), for import or put-archive. */
async function withTree<T>(
  files: Record<string, { text?: string; copy?: string; link?: string }>,
  use: (root: string) => Promise<T>,
): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'voxoz-fd-'));
  try {
    for (const [path, f] of Object.entries(files)) {
      const at = join(root, path);
      mkdirSync(dirname(at), { recursive: true });
      if (f.text !== undefined) writeFileSync(at, f.text);
      else if (f.copy) copyFileSync(f.copy, at);
      else if (f.link) symlinkSync(f.link, at);
    }
    return await use(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The shared libraries and loader `binary` needs, from `ldd` (absolute paths). */
function linkedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

/** Imports FRONT_DOOR_IMAGE into the engine when it lacks it (no registry: made from this machine's caddy). */
async function ensureImage(docker: Docker, caddyPath: string, busyboxPath: string): Promise<void> {
  if (
    await docker
      .getImage(FRONT_DOOR_IMAGE)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  )
    return;
  const files: Record<string, { text?: string; copy?: string; link?: string }> = {
    'bin/caddy': { copy: caddyPath },
    'bin/busybox': { copy: busyboxPath },
    'bin/sh': { link: 'busybox' },
    'bin/cat': { link: 'busybox' },
    'tmp/.keep': { text: '' },
    [CONFIG.slice(1)]: { text: JSON.stringify(INITIAL) },
  };
  for (const lib of linkedLibraries(caddyPath)) files[lib.slice(1)] = { copy: lib };
  await withTree(files, async (root) => {
    const stream = await docker.importImage(pack(root) as unknown as NodeJS.ReadableStream, { repo: 'voxoz-frontdoor', tag: 'caddy' });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
  });
}

/**
 * The front door of a remote engine, on that engine: a Caddy container (`<instance>-frontdoor`,
 * host networking, `unless-stopped`) whose sites listen on 127.0.0.1 of the engine's host, where
 * the replicas are. voxoz never reaches its admin API: each change writes the whole config into
 * the container (put-archive) and has the engine run `caddy reload` there (exec). The container
 * and its image are made on first use. Each change takes `lock` for this door on this engine
 * (`<instance>-frontdoor@<engine id>`): give every door of the voxoz processes that share an
 * engine the same lock (redisDoorLock); the default serializes this process' changes only.
 * See docs/decisions/2026-12-02-remote-engine.md.
 */
export function createEngineFrontDoor(
  docker: Docker,
  instance: string,
  paths: { caddy?: string; busybox?: string } = {},
  lock: DoorLock = processDoorLock,
): FrontDoor {
  const name = `${instance}-frontdoor`;
  let engineId: Promise<string> | undefined;
  const doorName = async () => {
    engineId ??= docker.info().then(
      (i) => String(i.ID),
      (err) => {
        engineId = undefined;
        throw err;
      },
    );
    return `${name}@${await engineId}`;
  };
  let ready: Promise<Docker.Container> | undefined;
  const start = async (): Promise<Docker.Container> => {
    await ensureImage(docker, paths.caddy ?? '/usr/bin/caddy', paths.busybox ?? '/bin/busybox');
    const container = docker.getContainer(name);
    const state = await container.inspect().then(
      (i) => i.State,
      () => undefined,
    );
    const made = !state;
    if (made)
      await docker.createContainer({
        name,
        Image: FRONT_DOOR_IMAGE,
        Cmd: ['/bin/caddy', 'run', '--config', CONFIG],
        Env: ['HOME=/tmp', 'XDG_CONFIG_HOME=/tmp', 'XDG_DATA_HOME=/tmp'],
        Labels: { [LABEL.instance]: instance, 'voxoz.role': 'frontdoor' },
        HostConfig: { NetworkMode: 'host', RestartPolicy: { Name: 'unless-stopped' } },
      });
    if (!state?.Running) await container.start();
    for (let i = 0; i < 100; i++) {
      if ((await execIn(container, ['/bin/sh', '-c', 'test -S /tmp/voxoz-caddy-admin.sock'])).code === 0) {
        // A new door serves no site: the worker pool points the other environments behind it again now (door-made.ts).
        if (made) doorMade(name);
        return container;
      }
      await sleep(100);
    }
    throw new Error(`the front door on the engine (${name}) did not open its admin socket within 10 s; see docker logs ${name}`);
  };
  const container = () => {
    ready ??= start().catch((err) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
  /**
   * Runs `use` with the door's container. One removed (404) or stopped (409) since it was made
   * (by hand, or by another voxoz once nothing of it ran there) is made or started again, once:
   * a new one starts with no site; the worker pool of this process hears of it (door-made.ts) and
   * reconciles at once, pointing each environment it serves at its serving release again (the
   * environments of other workers' queues: at their reconciler's next round, within a minute).
   */
  const withContainer = async <T>(use: (c: Docker.Container) => Promise<T>): Promise<T> => {
    try {
      return await use(await container());
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw err;
      ready = undefined;
      return use(await container());
    }
  };
  const door = createConfigFrontDoor({
    exclusive: async (change) => lock(await doorName(), change),
    async read() {
      const { code, output } = await withContainer((c) => execIn(c, ['/bin/cat', CONFIG]));
      if (code !== 0) throw new Error(`could not read the front door's config on the engine: ${output.trim()}`);
      return JSON.parse(output) as CaddyConfig;
    },
    async load(config) {
      const { code, output } = await withContainer(async (c) => {
        await withTree({ 'voxoz.json': { text: JSON.stringify(config) } }, async (root) => {
          await c.putArchive(pack(root) as unknown as NodeJS.ReadableStream, { path: CONFIG_DIR });
        });
        return execIn(c, ['/bin/caddy', 'reload', '--config', CONFIG, '--force']);
      });
      if (code !== 0) throw new Error(`the front door on the engine refused its new config: ${output.trim().split('\n').at(-1)}`);
    },
  });
  return {
    ...door,
    // A door never made has nothing to free: it is not made for that.
    async dropIdle(of, configured) {
      const made = await docker
        .getContainer(name)
        .inspect()
        .then(
          () => true,
          () => false,
        );
      return made ? door.dropIdle!(of, configured) : [];
    },
    // The container runs with host networking: /proc/sys/net inside it is the host's.
    async handoverWarning() {
      const { code, output } = await withContainer((c) => execIn(c, ['/bin/cat', MIGRATE_SETTING]));
      const now = output.trim();
      if (code === 0 && now === '1') return undefined;
      const risk = 'a switch of its front door may reset a connection that arrives at that very moment';
      if (code !== 0) return `the kernel has no net.ipv4.tcp_migrate_req (Linux 5.14 or newer has it): ${risk}`;
      return `net.ipv4.tcp_migrate_req is ${now}: ${risk}; set it to 1 there (sysctl -w net.ipv4.tcp_migrate_req=1, and a file in /etc/sysctl.d/ to keep it)`;
    },
  };
}
