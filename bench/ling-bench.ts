/**
 * LING benchmark: `node bin/run-ts.js bench/ling-bench.ts`. On the real Xen lab (QEMU, built
 * once per machine), same host, same image, same run, alternating rounds:
 *   a. voxoz's LING driver deploying a prebuilt erlang-pv image of examples/hello-erlang over SSH
 *      through the wrapper: from the deploy's start to the domain's ready line seen by voxoz,
 *   b. against `xl create` of the same kernel and image, and a wait for the same ready line,
 *      both run inside dom0 (no SSH, polling every 0.2 s), timed by dom0's clock.
 * Target: a ≤ 1.10 × b. Docker's deploy numbers are deploy-bench.ts's table, printed before this
 * one by `npm run bench`. Uses REDIS_URL when set (not needed here).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load-config.ts';
import type { DriverIO } from '../src/drivers/driver.ts';
import { createErlangPvBuilder } from '../src/drivers/ling/erlang-pv-builder.ts';
import { createImageStore, sha256File } from '../src/drivers/ling/image-store.ts';
import { createLingDriver } from '../src/drivers/ling/ling-driver.ts';
import { createSshTransport } from '../src/drivers/ling/ssh-transport.ts';
import { createXenHost } from '../src/drivers/ling/xen-host.ts';
import { HELLO_ERLANG_DIR } from '../test/support/xen-voxoz.ts';
import { ensureXenLab, startXenLab } from '../test/support/xenlab/xen-lab.ts';

const ROUNDS = 5;
const READY = 'hello ready';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const dir = mkdtempSync(join(tmpdir(), 'vxlb-'));
const lab = await startXenLab(await ensureXenLab());
try {
  const host = createXenHost({
    name: 'xen-a',
    imagesDir: '/var/lib/voxoz-xl/images',
    transport: createSshTransport({
      name: 'xen-a',
      address: '127.0.0.1',
      port: lab.port,
      user: 'root',
      privateKey: readFileSync(lab.voxozKeyPath),
      hostKey: lab.hostKeyFingerprint,
    }),
  });
  const driver = createLingDriver({
    hostsFor: () => [host],
    builder: () => createErlangPvBuilder({ kernelPath: lab.kernelPath }),
    store: createImageStore(join(dir, 'images')),
    workDir: join(dir, 'builds'),
  });
  const config = validateConfig(
    {
      xen: { kernel: lab.kernelPath, hosts: [{ name: 'xen-a', address: 'local' }] },
      apps: [
        {
          name: 'bench',
          runtime: 'ling',
          source: { path: HELLO_ERLANG_DIR },
          ling: { extra: '-s hello start', readyLine: READY, readyTimeoutSeconds: 300 },
        },
      ],
    },
    join(dir, 'voxoz.yml'),
  );
  const app = config.apps[0]!;
  let readyAt = 0;
  const io: DriverIO = {
    log: (line) => {
      if (/ is ready after /.test(line)) readyAt = Date.now();
    },
    step: () => undefined,
    signal: new AbortController().signal,
    now: () => new Date(),
  };
  const artifact = await driver.build({ app, env: 'production', release: 1, port: 0 }, undefined, io);
  // Warm-up: the image and the kernel reach the host once (content-addressed), as in any later deploy.
  await driver.deploy({ app, env: 'production', release: 1, port: 0 }, artifact, io);
  const imagesDir = '/var/lib/voxoz-xl/images';
  const rawConfig = [
    'name = "rawbench"',
    'type = "pv"',
    `kernel = "${imagesDir}/${sha256File(lab.kernelPath)}"`,
    `ramdisk = "${imagesDir}/${artifact.id.replace('sha256:', '')}"`,
    'extra = "console=hvc0 loglevel=4"',
    'memory = 128',
    'on_poweroff = "destroy"',
    'on_reboot = "destroy"',
    'on_crash = "destroy"',
    '',
  ].join('\n');
  await lab.admin('cat > /root/rawbench.cfg', rawConfig);
  const vox: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // a. voxoz: a new release beside the old, from the deploy's start to the ready line seen.
    const t0 = Date.now();
    await driver.deploy({ app, env: 'production', release: r + 2, port: 0 }, artifact, io);
    vox.push(readyAt - t0);
    // b. xl by hand in dom0, the old release still running beside it, as in a.
    const out = await lab.admin(
      `L=/var/log/xen/console/guest-rawbench.log; : > $L; t0=$(date +%s%N); xl create -q /root/rawbench.cfg >/dev/null; ` +
        `for i in $(seq 1500); do grep -q '${READY}' $L && break; sleep 0.2; done; t1=$(date +%s%N); xl destroy rawbench; echo $(( (t1 - t0) / 1000000 ))`,
      undefined,
      600_000,
    );
    raw.push(Number(out.trim()));
  }
  for (const d of (await host.list()).domains) await host.destroy(d.name);
  await host.close();
  const ratio = median(vox) / median(raw);
  const rows = [
    ['measure (median of rounds)', 'voxoz (LING driver)', 'xl create + wait, in dom0', 'note'],
    ['deploy start → domain ready, prebuilt image', s(median(vox)), s(median(raw)), `ratio ${ratio.toFixed(2)}× (target ≤ 1.10×)`],
    ['  rounds', vox.map(s).join(', '), raw.map(s).join(', '), 'QEMU TCG: Xen and dom0 are emulated'],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
} finally {
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
}
