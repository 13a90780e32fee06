import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { adminOf } from '../support/xenlab/xen-lab.ts';

/**
 * The lab itself, before anything of voxoz runs on it: a real Xen 4.17 with dom0, the pinned
 * host key, voxoz's key held to the wrapper, and one tiny PV domain from the cached kernel,
 * timed from `xl create` to its first console line (the Xen tests are sized from that).
 */
const lab = inject('xenLab');
const admin = adminOf(lab);
const TINY = 'lab-smoke';
const TINY_DIR = '/var/lib/voxoz-lab-smoke';

/** `ssh` as voxoz's key: an argv array, the host key checked against the pinned one. */
function sshAsVoxoz(command: string) {
  return spawnSync(
    'ssh',
    [
      ...['-i', lab.voxozKeyPath, '-p', String(lab.port)],
      ...['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${lab.knownHostsPath}`],
      ...['-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR', 'root@127.0.0.1', command],
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
}

/** A busybox initrd that says hello on the console, then a heartbeat (the recipe's tiny.cfg guest). */
function tinyInitrd(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'vx-tiny-'));
  try {
    for (const d of ['bin', 'proc', 'sys', 'dev']) mkdirSync(join(dir, d));
    copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
    writeFileSync(
      join(dir, 'init'),
      [
        '#!/bin/busybox sh',
        '/bin/busybox --install -s /bin',
        'mount -t proc proc /proc; mount -t sysfs sys /sys',
        'echo "TINY-DOMU: hello from $(uname -r) on $(cat /sys/hypervisor/type)"',
        'while true; do echo "TINY-DOMU: heartbeat $(cut -d" " -f1 /proc/uptime)"; sleep 5; done',
        '',
      ].join('\n'),
    );
    chmodSync(join(dir, 'init'), 0o755);
    return execFileSync('sh', ['-c', 'cd "$1" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1', 'sh', dir], {
      maxBuffer: 64 * 1024 * 1024,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the Xen lab', () => {
  afterAll(async () => {
    await admin(`xl destroy ${TINY} 2>/dev/null; rm -rf ${TINY_DIR} /var/log/xen/console/guest-${TINY}.log; true`);
  });

  it('is Xen 4.17 with Domain-0 running', async () => {
    expect(await admin('xl info')).toMatch(/^xen_version\s+:\s+4\.17\./m);
    expect(await admin('xl list')).toMatch(/^Domain-0\s+0\s/m);
  });

  it('presents the host key pinned at build time', () => {
    const scanned = execFileSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(lab.port), '127.0.0.1'], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const printed = execFileSync('ssh-keygen', ['-lf', '-'], { input: scanned, encoding: 'utf8' });
    expect(lab.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(printed.split(/\s+/)[1]).toBe(lab.hostKeyFingerprint);
  });

  it("holds voxoz's key to the wrapper: restricted, a forced command, no shell", async () => {
    const keys = await admin('cat /root/.ssh/authorized_keys');
    const pub = readFileSync(`${lab.voxozKeyPath}.pub`, 'utf8').trim();
    expect(keys).toContain(`command="${lab.wrapperPath}",restrict ${pub}`);
    expect(await admin(`stat -c %a ${lab.wrapperPath}`)).toBe('755\n');

    const shell = sshAsVoxoz('echo SHELL-REACHED; id -u');
    expect(shell.stdout).not.toContain('SHELL-REACHED');
    expect(shell.status).toBe(2);
    expect(shell.stderr).toContain('voxoz-xl: refused');
    // What it does run is the wrapper's own verbs.
    const info = sshAsVoxoz('info');
    expect(info.status).toBe(0);
    expect(JSON.parse(info.stdout)).toHaveProperty('xl_info');
  });

  it('boots a tiny PV domain from the cached kernel and logs its console', async () => {
    const t0 = Date.now();
    await admin(`mkdir -p ${TINY_DIR} && cat > ${TINY_DIR}/vmlinux`, readFileSync(lab.kernelPath), 5 * 60_000);
    await admin(`cat > ${TINY_DIR}/initrd.gz`, tinyInitrd());
    const uploadS = (Date.now() - t0) / 1000;
    await admin(
      `cat > ${TINY_DIR}/tiny.cfg`,
      [
        `name = "${TINY}"`,
        'type = "pv"',
        `kernel = "${TINY_DIR}/vmlinux"`,
        `ramdisk = "${TINY_DIR}/initrd.gz"`,
        'extra = "console=hvc0 loglevel=4"',
        'memory = 128',
        'vcpus = 1',
        '',
      ].join('\n'),
    );
    // Timed inside dom0 (no SSH round trips); every poll bounded, 0.25 s apart (TCG: each dom0 cycle is emulated).
    const out = await admin(
      `LOG=/var/log/xen/console/guest-${TINY}.log; : > $LOG
el() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}'; }
t0=$(date +%s.%N)
xl create ${TINY_DIR}/tiny.cfg >/dev/null 2>&1 || { echo "create failed"; cat /var/log/xen/xl-${TINY}.log; exit 1; }
echo "created $(el $t0)"
for i in $(seq 480); do [ -s $LOG ] && break; sleep 0.25; done
echo "first-byte $(el $t0)"
for i in $(seq 480); do grep -q 'TINY-DOMU: hello' $LOG && break; sleep 0.25; done
echo "hello $(el $t0)"
head -n 3 $LOG`,
      undefined,
      4 * 60_000,
    );
    const seconds = (label: string) => Number(new RegExp(`^${label} ([\\d.]+)$`, 'm').exec(out)?.[1]);
    console.log(
      `xen lab: kernel + initrd upload ${uploadS.toFixed(1)} s; xl create returned after ${seconds('created')} s, ` +
        `first console byte after ${seconds('first-byte')} s, first console line (hello) after ${seconds('hello')} s`,
    );
    expect(out).toMatch(/TINY-DOMU: hello from \S+ on xen/);
    expect(await admin('xl list')).toMatch(new RegExp(`^${TINY}\\s+\\d+\\s+128\\s`, 'm'));
    expect(await admin(`xl destroy ${TINY} && xl list`)).not.toContain(TINY);
  });
});
