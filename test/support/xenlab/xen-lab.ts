import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The real Xen host of the LING tests: Xen 4.17 with a Debian dom0 under QEMU (TCG; the KVM
 * here cannot run Xen), reached over SSH through a user-network forward on 127.0.0.1. The disk
 * image is built once per machine and recipe (build-lab.sh, cached under its hash) and booted
 * with a throw-away overlay, so every boot starts clean and killing QEMU loses nothing.
 */
const HERE = import.meta.dirname;
const RECIPE = join(HERE, 'build-lab.sh');
const BOOT = join(HERE, 'boot-lab.sh');
const STOP = join(HERE, 'stop-lab.sh');
export const WRAPPER = resolve(HERE, '../../../xen/voxoz-xl');
/** Where the wrapper goes in dom0, and what the voxoz key's forced command runs. */
export const WRAPPER_IN_DOM0 = '/usr/local/bin/voxoz-xl';
/** Bounds: a cold build measured ~160 s, a boot to SSH ~75 s (NOTES.md); both generous for a loaded CI machine. */
const BUILD_LIMIT_MS = 30 * 60_000;
const BOOT_LIMIT_MS = 5 * 60_000;

/** What the tests get (`inject('xenLab')`): plain values only. */
export interface XenLabInfo {
  host: '127.0.0.1';
  port: number;
  /** dom0's sshd host key, `SHA256:…`, pinned at build time. */
  hostKeyFingerprint: string;
  /** Unrestricted root key: the harness's own view of the host, never voxoz's. */
  adminKeyPath: string;
  /** voxoz's key: in authorized_keys with `command="voxoz-xl",restrict`. */
  voxozKeyPath: string;
  /** known_hosts naming the pinned key, for the harness's `ssh`. */
  knownHostsPath: string;
  /** The uncompressed PV kernel erlang-pv domains boot (the dom0 kernel's version). */
  kernelPath: string;
  /** The wrapper in dom0: the voxoz key's forced command. */
  wrapperPath: typeof WRAPPER_IN_DOM0;
  /** This boot's folder: serial.log (Xen and dom0 console), qemu.pid. */
  runDir: string;
}

const log = (line: string) => process.stderr.write(`[xenlab ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function run(
  program: string,
  args: string[],
  opts: { input?: Buffer | string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      program,
      args,
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, ...(opts.env ? { env: opts.env } : {}) },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${program} ${args.slice(-1)[0]}: ${err.message}\n${stderr}`));
        else resolvePromise(stdout);
      },
    );
    // A program that exits before it reads its input (ssh to a dom0 that is not listening yet)
    // closes the pipe: that EPIPE is not the failure (the exit status is), and unheard it crashed the run.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

/** A built lab image in the cache: what startXenLab boots. */
export interface LabImage {
  /** `<cache>/<first 16 hex of sha256(build-lab.sh)>`, holding disk.img, boot/, the keys, `.complete`. */
  dir: string;
  kernelPath: string;
  hostKeyFingerprint: string;
  adminKeyPath: string;
}

const imageAt = (dir: string): LabImage => ({
  dir,
  kernelPath: join(dir, 'domu-vmlinux'),
  hostKeyFingerprint: readFileSync(join(dir, 'host-fingerprint'), 'utf8').trim(),
  adminKeyPath: join(dir, 'admin_ed25519'),
});

/**
 * The lab's disk image and boot files, built into the cache when this recipe has none yet.
 * Concurrent callers (the Xen tests, the bench) take turns on a lock: one builds, the rest reuse.
 */
export async function ensureXenLab(): Promise<LabImage> {
  const key = createHash('sha256').update(readFileSync(RECIPE)).digest('hex').slice(0, 16);
  const dir = join(process.env.VOXOZ_XENLAB_CACHE ?? '/var/cache/voxoz/xenlab', key);
  if (existsSync(join(dir, '.complete'))) return imageAt(dir);
  mkdirSync(dir, { recursive: true });
  log(`building the Xen lab into ${dir} (debootstrap + Xen + kernel; ~3 min)`);
  const started = Date.now();
  await new Promise<void>((ok, fail) => {
    const child = spawn(
      'flock',
      [join(dir, '..', `${key}.lock`), 'sh', '-c', '[ -f "$2/.complete" ] || exec bash "$1" "$2"', 'sh', RECIPE, dir],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        detached: true,
      },
    );
    // On timeout the whole group goes (debootstrap, apt in the chroot); the bind mounts are undone below.
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), BUILD_LIMIT_MS);
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && existsSync(join(dir, '.complete'))) ok();
      else fail(new Error(`the Xen lab build failed (exit ${code ?? signal}); see the log above`));
    });
  }).catch(async (err) => {
    await unmountUnder(join(dir, 'rootfs'));
    throw err;
  });
  log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return imageAt(dir);
}

/** A killed build leaves the chroot's proc/sys/dev mounts behind: undo them, deepest first. */
async function unmountUnder(root: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m]).catch((e: Error) => log(`umount ${m}: ${e.message}`));
}

export interface XenLab extends XenLabInfo {
  admin(cmd: string, input?: Buffer | string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Runs a command as root in dom0 with the admin key (the harness's view; the command is the test's own text). */
export function adminOf(info: Pick<XenLabInfo, 'port' | 'adminKeyPath' | 'knownHostsPath'>) {
  return (cmd: string, input?: Buffer | string, timeoutMs = 120_000) =>
    run(
      'ssh',
      [
        '-i',
        info.adminKeyPath,
        '-p',
        String(info.port),
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${info.knownHostsPath}`,
        '-o',
        'ConnectTimeout=10',
        '-o',
        'LogLevel=ERROR',
        'root@127.0.0.1',
        cmd,
      ],
      { ...(input !== undefined ? { input } : {}), timeoutMs },
    );
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `step`, again up to 4 more times 3 s apart while it fails; the last failure is thrown. */
async function settled<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (attempt >= 5) throw err;
      log(`dom0 step failed (attempt ${attempt} of 5), trying again in 3 s: ${(err as Error).message.split('\n')[0]}`);
      await sleep(3000);
    }
  }
}

/**
 * Boots the lab (boot-lab.sh: QEMU with a throw-away overlay on a free loopback port), waits
 * for dom0's sshd and xl, installs the wrapper from xen/voxoz-xl and voxoz's restricted key,
 * made for this boot. On any failure QEMU is stopped before the error is thrown.
 */
export async function startXenLab(image: LabImage): Promise<XenLab> {
  const runDir = mkdtempSync('/var/tmp/vx-xenlab-');
  const serial = join(runDir, 'serial.log');
  const stop = async () => {
    await run('bash', [STOP, runDir], { timeoutMs: 60_000 });
  };
  try {
    const started = Date.now();
    const booted = await run('bash', [BOOT, image.dir, runDir], { timeoutMs: 90_000 }).catch((err: Error) => {
      throw new Error(`QEMU did not start: ${err.message}`);
    });
    const port = Number(/^port (\d+)$/m.exec(booted)?.[1]);
    const pid = Number(/^pid (\d+)$/m.exec(booted)?.[1]);
    const info: XenLabInfo = {
      host: '127.0.0.1',
      port,
      hostKeyFingerprint: image.hostKeyFingerprint,
      adminKeyPath: image.adminKeyPath,
      voxozKeyPath: join(runDir, 'voxoz_ed25519'),
      knownHostsPath: join(runDir, 'known_hosts'),
      kernelPath: image.kernelPath,
      wrapperPath: WRAPPER_IN_DOM0,
      runDir,
    };
    const admin = adminOf(info);
    const deadline = Date.now() + BOOT_LIMIT_MS;
    for (;;) {
      if (!alive(pid)) throw new Error(`QEMU exited while booting; serial log:\n${tail(serial)}`);
      const ok = await admin('xl list >/dev/null', undefined, 20_000).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline)
        throw new Error(`dom0 did not answer over SSH within ${BOOT_LIMIT_MS / 1000} s; serial log:\n${tail(serial)}`);
      await sleep(3000);
    }
    log(`dom0 answers on 127.0.0.1:${port} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    // The wrapper and voxoz's key, per boot: the cached image stays the same when they change.
    // dom0 still settles just after its first answer (a connection was seen refused then), so
    // each step is tried again a few times; both are safe to repeat.
    await settled(() => admin(`cat > ${WRAPPER_IN_DOM0} && chmod 755 ${WRAPPER_IN_DOM0}`, readFileSync(WRAPPER)));
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'voxoz', '-f', info.voxozKeyPath]);
    const pub = readFileSync(`${info.voxozKeyPath}.pub`, 'utf8').trim();
    const line = `command="${WRAPPER_IN_DOM0}",restrict ${pub}`;
    await settled(() => admin(`grep -qxF '${line}' /root/.ssh/authorized_keys || cat >> /root/.ssh/authorized_keys`, `${line}\n`));
    return { ...info, admin, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return '(no serial log)';
  return readFileSync(file, 'utf8')
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
    .replace(/\r/g, '')
    .split('\n')
    .slice(-lines)
    .join('\n');
}
