import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { checkLingBuildInput } from './check-ling-build-input.ts';
import { collectAppFiles } from './collect-app-files.ts';
import { collectErtsFiles, IMAGE_ERLANG_ROOT } from './collect-erts-files.ts';
import { findSharedLibraries } from './find-shared-libraries.ts';
import { hashFileCached } from './hash-file.ts';
import type { LingBuilder, LingBuildInput, LingImage } from './ling-types.ts';
import { renderPvInit } from './render-pv-init.ts';
import { stripBeams } from './strip-beams.ts';
import { type CpioEntry, writeCpioNewc } from './write-cpio-newc.ts';

const gzipAsync = promisify(gzip);

/**
 * The kernel command line of every erlang-pv domain: the console is Xen's hvc0, and
 * `loglevel=4` keeps the kernel's boot chatter (slow on an emulated console) out of the log
 * while panics still show. The app's start arguments live in the image's /init instead.
 */
export const PV_KERNEL_CMDLINE = 'console=hvc0 loglevel=4';
/** Least memory (MiB) an erlang-pv domain boots with: the kernel, the unpacked initramfs (~20 MB) and a node. @defaultValue 128 */
export const MIN_PV_MEMORY = 128;

export interface ErlangPvBuilderOptions {
  /** The PV-capable Linux kernel domains boot (Debian's `linux-image-*-amd64`, ideally its uncompressed vmlinux), on this machine. */
  kernelPath: string;
  /** An installed Erlang/OTP whose runtime goes into the image. @defaultValue '/usr/lib/erlang' (Debian's erlang-base) */
  erlangRoot?: string;
  /** A static busybox: /init's shell. @defaultValue '/bin/busybox' (Debian's busybox-static) */
  busybox?: string;
}

/**
 * voxoz's own LING-compatible builder: the app's .beam files plus Debian's Erlang runtime in
 * a gzip'd newc initramfs that a stock PV Linux kernel boots straight into the app (see
 * renderPvInit), every .beam stripped of debug info (stripBeams). Same input, same bytes: entries sorted, owners and times zeroed, gzip
 * without a timestamp, beams compiled with +deterministic.
 */
export function createErlangPvBuilder(opts: ErlangPvBuilderOptions): LingBuilder {
  const erlangRoot = opts.erlangRoot ?? '/usr/lib/erlang';
  const busybox = opts.busybox ?? '/bin/busybox';
  return {
    name: 'erlang-pv',
    async build(input: LingBuildInput): Promise<LingImage> {
      const { io } = input;
      checkLingBuildInput(input, MIN_PV_MEMORY);
      // first, so a misconfigured kernel path fails before any work
      const kernelSha256 = await hashFileCached(opts.kernelPath);
      const app = await collectAppFiles({ sourceDir: input.sourceDir, exclude: input.exclude, erlc: join(erlangRoot, 'bin', 'erlc'), io });
      const erts = await collectErtsFiles(erlangRoot);
      const libs = await findSharedLibraries(erts.programs);
      io.log(`runtime: ERTS ${erts.ertsVsn} (OTP ${erts.otpRelease}), ${erts.entries.length} files, ${libs.length} shared libraries`);
      const rootdir = `/${IMAGE_ERLANG_ROOT}`;
      const codePaths = [...new Set(app.filter((f) => f.rel.endsWith('.beam')).map((f) => `/app/${posix.dirname(f.rel)}`))].sort();
      const init = renderPvInit({
        rootdir,
        bindir: `${rootdir}/erts-${erts.ertsVsn}/bin`,
        boot: `${rootdir}/releases/${erts.otpRelease}/start_clean`,
        codePaths,
        extra: input.extra,
      });
      const entries: CpioEntry[] = [
        { path: 'init', kind: 'file', mode: 0o755, data: Buffer.from(init) },
        { path: 'bin/busybox', kind: 'file', mode: 0o755, data: await readFile(busybox) },
        { path: 'bin/sh', kind: 'symlink', target: 'busybox' },
        // the kernel opens dev/console for init before /init runs; dev/null is there even before devtmpfs is
        { path: 'dev/console', kind: 'char', mode: 0o600, major: 5, minor: 1 },
        { path: 'dev/null', kind: 'char', mode: 0o666, major: 1, minor: 3 },
        { path: 'proc', kind: 'dir' },
        { path: 'sys', kind: 'dir' },
        { path: 'tmp', kind: 'dir', mode: 0o1777 },
        ...erts.entries,
        ...(await Promise.all(libs.map(async (l) => ({ path: l.slice(1), kind: 'file' as const, mode: 0o755, data: await readFile(l) })))),
        ...app.map((f) => ({ path: `app/${f.rel}`, kind: 'file' as const, mode: 0o644, data: f.data })),
      ];
      const beams = entries.filter((e): e is CpioEntry & { kind: 'file' } => e.kind === 'file' && e.path.endsWith('.beam'));
      const before = sum(beams.map((b) => b.data.length));
      const stripped = await stripBeams(
        join(erlangRoot, 'bin', 'erl'),
        beams.map((b) => b.data),
        io.signal,
      );
      beams.forEach((b, i) => (b.data = stripped[i]!));
      io.log(`strip: ${beams.length} .beam files, ${mib(before)} to ${mib(sum(stripped.map((b) => b.length)))}`);
      io.signal.throwIfAborted();
      const cpio = writeCpioNewc(entries);
      // In zlib's thread pool: a synchronous gzip of ~13 MiB blocks the event loop for seconds on a
      // busy machine, and with it the renewal of the job's lock (a short worker.stalledSeconds then hands the job to another worker).
      const image = await gzipAsync(cpio, { level: 9 });
      await mkdir(input.outDir, { recursive: true });
      const imagePath = join(input.outDir, `${input.name}.img`);
      await writeFile(imagePath, image);
      const sha256 = createHash('sha256').update(image).digest('hex');
      io.log(
        `image: ${imagePath}: ${entries.length} entries (${app.length} app files in ${codePaths.join(' ')}), ` +
          `${mib(cpio.length)} unpacked, ${mib(image.length)} gzip'd (${image.length} bytes), sha256 ${sha256}`,
      );
      return {
        builder: 'erlang-pv',
        imagePath,
        sha256,
        kernelPath: opts.kernelPath,
        kernelSha256,
        extra: PV_KERNEL_CMDLINE,
        memory: input.memory,
      };
    },
  };
}

const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
