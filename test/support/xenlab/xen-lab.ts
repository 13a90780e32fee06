import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findFreePort } from '../../../src/services/free-port.ts';

/**
 * The real Xen host of the LING tests: Xen 4.17 with a Debian dom0 under QEMU (TCG; the KVM
 * here cannot run Xen), reached over SSH through a user-network forward on 127.0.0.1. The disk
 * image is built once per machine and recipe (build-lab.sh, cached under its hash) and booted
 * with a throw-away overlay, so every boot starts clean and killing QEMU loses nothing.
 */
const HERE = import.meta.dirname;
const RECIPE = join(HERE, 'build-lab.sh');
export const WRAPPER = resolve(HERE, '../../../xen/voxoz-xl');
/** Where the wrapper goes in dom0, and what the voxoz key's forced command runs. */
export const WRAPPER_IN_DOM0 = '/usr/local/bin/voxoz-xl';
/** Bounds: a cold build measured ~160 s, a boot to SSH ~75 s (NOTES.md); both generous for a loaded CI machine. */
const BUILD_LIMIT_MS = 30 * 60_000;
const BOOT_LIMIT_MS = 8 * 60_000;
const XEN_ARGS = 'console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 loglvl=all guest_loglvl=all noreboot';
const DOM0_ARGS = 'root=/dev/vda rw console=hvc0 earlyprintk=xen net.ifnames=1';

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
    child.stdin?.end(opts.input ?? '');
  });
}

/** The lab's disk image and boot files, built into the cache when this recipe has none yet. */
export async function ensureXenLab(): Promise<string> {
  const key = createHash('sha256').update(readFileSync(RECIPE)).digest('hex').slice(0, 16);
  const dir = join(process.env.VOXOZ_XENLAB_CACHE ?? '/var/cache/voxoz/xenlab', key);
  if (existsSync(join(dir, '.complete'))) return dir;
  mkdirSync(dir, { recursive: true });
  log(`building the Xen lab into ${dir} (debootstrap + Xen + kernel; ~3 min)`);
  const started = Date.now();
  await new Promise<void>((ok, fail) => {
    const child = spawn('bash', [RECIPE, dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_LIMIT_MS);
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && existsSync(join(dir, '.complete'))) ok();
      else fail(new Error(`the Xen lab build failed (exit ${code ?? signal}); see the log above`));
    });
  });
  log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return dir;
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

/** Boots the lab, waits for dom0's sshd and xl, installs the wrapper and voxoz's restricted key. */
export async function startXenLab(imageDir: string): Promise<XenLab> {
  const runDir = mkdtempSync('/var/tmp/vx-xenlab-');
  const port = await findFreePort();
  const pidFile = join(runDir, 'qemu.pid');
  const serial = join(runDir, 'serial.log');
  const knownHostsPath = join(runDir, 'known_hosts');
  writeFileSync(
    knownHostsPath,
    `[127.0.0.1]:${port} ${readFileSync(join(imageDir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
  );
  const info: XenLabInfo = {
    host: '127.0.0.1',
    port,
    hostKeyFingerprint: readFileSync(join(imageDir, 'host-fingerprint'), 'utf8').trim(),
    adminKeyPath: join(imageDir, 'admin_ed25519'),
    voxozKeyPath: join(runDir, 'voxoz_ed25519'),
    knownHostsPath,
    kernelPath: join(imageDir, 'domu-vmlinux'),
    runDir,
  };
  const stop = async () => {
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 40 && alive(pid); i++) await sleep(250);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 40 && alive(pid); i++) await sleep(250);
    }
    rmSync(runDir, { recursive: true, force: true });
  };
  try {
    const started = Date.now();
    await run(
      'qemu-system-x86_64',
      [
        ...['-machine', 'pc', '-accel', 'tcg,thread=multi', '-cpu', 'qemu64', '-smp', '2', '-m', '3072'],
        ...['-display', 'none', '-monitor', 'none', '-serial', `file:${serial}`, '-no-reboot'],
        ...['-drive', `file=${join(imageDir, 'disk.img')},if=virtio,format=raw,cache=unsafe,snapshot=on`],
        ...[
          '-netdev',
          `user,id=n0,net=198.51.100.0/24,restrict=on,hostfwd=tcp:127.0.0.1:${port}-:22`,
          '-device',
          'virtio-net-pci,netdev=n0',
        ],
        ...['-kernel', join(imageDir, 'boot', 'xen'), '-append', XEN_ARGS],
        // Multiboot modules: the dom0 kernel with its command line, then its initramfs (a literal comma would be ",,").
        ...['-initrd', `${join(imageDir, 'boot', 'vmlinuz')} ${DOM0_ARGS},${join(imageDir, 'boot', 'initrd.img')}`],
        ...['-pidfile', pidFile, '-daemonize'],
      ],
      // snapshot=on writes its overlay into TMPDIR: this boot's folder, removed at stop.
      { timeoutMs: 30_000, env: { ...process.env, TMPDIR: runDir } },
    ).catch((err: Error) => {
      throw new Error(`QEMU did not start: ${err.message}`);
    });
    const admin = adminOf(info);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    const deadline = Date.now() + BOOT_LIMIT_MS;
    for (;;) {
      if (!alive(pid)) throw new Error(`QEMU exited while booting; serial log:\n${tail(serial)}`);
      const ok = await admin('xl list >/dev/null && systemctl is-active xen >/dev/null 2>&1 || xl list >/dev/null', undefined, 20_000).then(
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
    await admin(`cat > ${WRAPPER_IN_DOM0} && chmod 755 ${WRAPPER_IN_DOM0}`, readFileSync(WRAPPER));
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'voxoz', '-f', info.voxozKeyPath]);
    const pub = readFileSync(`${info.voxozKeyPath}.pub`, 'utf8').trim();
    await admin(`cat >> /root/.ssh/authorized_keys`, `command="${WRAPPER_IN_DOM0}",restrict ${pub}\n`);
    await admin('mkdir -p /var/log/xen/console /var/lib/voxoz-xl/images /var/lib/voxoz-xl/configs');
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
