import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/user-error.ts';
import type { DriverIO } from '../../src/drivers/driver.ts';
import { createErlangPvBuilder, PV_KERNEL_CMDLINE } from '../../src/drivers/ling/erlang-pv-builder.ts';
import { parseLddOutput } from '../../src/drivers/ling/find-shared-libraries.ts';
import { hashFileCached } from '../../src/drivers/ling/hash-file.ts';
import type { LingBuildInput } from '../../src/drivers/ling/ling-types.ts';
import { type CpioRecord, readCpioNewc } from '../../src/drivers/ling/read-cpio-newc.ts';

const root = mkdtempSync(join(tmpdir(), 'vxt-pv-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const example = (name: string) => new URL(`../../examples/${name}`, import.meta.url).pathname;
const kernelPath = join(root, 'vmlinux');
writeFileSync(kernelPath, 'a stand-in for the PV kernel: the builder only hashes it');
const builder = createErlangPvBuilder({ kernelPath });

function input(sourceDir: string, over: Partial<LingBuildInput> = {}): LingBuildInput & { lines: string[] } {
  const lines: string[] = [];
  const io: DriverIO = { log: (l) => lines.push(l), step: () => undefined, signal: new AbortController().signal, now: () => new Date() };
  return {
    name: 'hello',
    sourceDir,
    outDir: mkdtempSync(join(root, 'out-')),
    memory: 128,
    extra: '-s hello start',
    exclude: [],
    io,
    lines,
    ...over,
  };
}
const unpack = (imagePath: string) => readCpioNewc(gunzipSync(readFileSync(imagePath)));
const byPath = (records: CpioRecord[]) => new Map(records.map((r) => [r.path, r]));

describe('erlang-pv builder on examples/hello-erlang (real erlc, real ERTS)', async () => {
  const build = input(example('hello-erlang'));
  const image = await builder.build(build);
  const records = unpack(image.imagePath);
  const files = byPath(records);

  it('returns the image, its sha256, the kernel and its hash, and the kernel command line', () => {
    expect(image).toEqual({
      builder: 'erlang-pv',
      imagePath: join(build.outDir, 'hello.img'),
      sha256: createHash('sha256').update(readFileSync(image.imagePath)).digest('hex'),
      kernelPath,
      kernelSha256: createHash('sha256').update(readFileSync(kernelPath)).digest('hex'),
      extra: PV_KERNEL_CMDLINE,
      memory: 128,
    });
    expect(PV_KERNEL_CMDLINE).toBe('console=hvc0 loglevel=4');
  });

  it('holds the compiled app under /app, the .app copied from src/hello.app.src', () => {
    expect([...files.keys()].filter((p) => p.startsWith('app/'))).toEqual(['app/ebin', 'app/ebin/hello.app', 'app/ebin/hello.beam']);
    const beam = gunzipSync(files.get('app/ebin/hello.beam')!.data);
    expect(beam.toString('latin1', 0, 4)).toBe('FOR1');
    expect(beam.includes('Code')).toBe(true);
    expect(beam.includes('Dbgi')).toBe(false); // stripped
    expect(files.get('app/ebin/hello.app')!.data.toString()).toMatch(/\{application, hello/);
  });

  it('has an executable /init that mounts the pseudo file systems and execs erlexec with the start arguments', () => {
    const init = files.get('init')!;
    expect(init.mode).toBe(0o100755);
    const text = init.data.toString();
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    for (const fs of ['proc proc /proc', 'sysfs sysfs /sys', 'devtmpfs devtmpfs /dev'])
      expect(text).toContain(`/bin/busybox mount -t ${fs}`);
    expect(text).toMatch(
      /^exec "\$BINDIR\/erlexec" .*'-noshell' '-boot' '\/usr\/lib\/erlang\/releases\/\d+\/start_clean' '-pa' '\/app\/ebin' '-s' 'hello' 'start'$/m,
    );
    expect(text).not.toMatch(/hvc0|ttyS0/);
  });

  it('carries busybox as /bin/sh, a console node, the ERTS programs, the boot file, kernel and stdlib, not the compiler', () => {
    expect(files.get('bin/busybox')!.mode).toBe(0o100755);
    expect(files.get('bin/sh')).toMatchObject({ mode: 0o120777, data: Buffer.from('busybox') });
    expect(files.get('dev/console')).toMatchObject({ mode: 0o020600, rdevMajor: 5, rdevMinor: 1 });
    expect(files.get('dev/null')).toMatchObject({ mode: 0o020666, rdevMajor: 1, rdevMinor: 3 });
    const paths = [...files.keys()];
    for (const prog of ['erlexec', 'beam.smp', 'erl_child_setup', 'inet_gethost']) {
      expect(paths).toContainEqual(expect.stringMatching(new RegExp(`^usr/lib/erlang/erts-[\\d.]+/bin/${prog.replace('.', '\\.')}$`)));
    }
    expect(paths).toContainEqual(expect.stringMatching(/^usr\/lib\/erlang\/releases\/\d+\/start_clean\.boot$/));
    expect(paths).toContainEqual(expect.stringMatching(/^usr\/lib\/erlang\/lib\/kernel-[\d.]+\/ebin\/application\.beam$/));
    expect(paths).toContainEqual(expect.stringMatching(/^usr\/lib\/erlang\/lib\/stdlib-[\d.]+\/ebin\/lists\.beam$/));
    expect(paths.some((p) => p.includes('/compiler-'))).toBe(false);
  });

  it("carries beam.smp's shared libraries and the dynamic loader at the paths ldd names", () => {
    const ldd = spawnSync('ldd', [
      join('/usr/lib/erlang', [...files.keys()].find((p) => p.endsWith('/beam.smp'))!.slice('usr/lib/erlang/'.length)),
    ]);
    const needed = parseLddOutput(ldd.stdout.toString());
    expect(needed.some((l) => l.endsWith('/libc.so.6'))).toBe(true);
    for (const lib of needed) expect(files.get(lib.slice(1))?.data.equals(readFileSync(lib))).toBe(true);
  });

  it('writes root-owned entries at time 0, each parent before its children, that busybox cpio lists the same', () => {
    expect(records.every((r) => r.uid === 0 && r.gid === 0 && r.mtime === 0)).toBe(true);
    const seen = new Set<string>();
    for (const r of records) {
      if (r.path.includes('/')) expect(seen.has(dirname(r.path))).toBe(true);
      seen.add(r.path);
    }
    const listed = spawnSync('/bin/busybox', ['cpio', '-t'], { input: gunzipSync(readFileSync(image.imagePath)) });
    expect(listed.stdout.toString().trim().split('\n')).toEqual(records.map((r) => r.path));
  });

  it('streams what it did, with sizes and counts', () => {
    expect(build.lines.join('\n')).toMatch(/compiling 1 module with erlc/);
    expect(build.lines.join('\n')).toMatch(
      /image: .*hello\.img: \d+ entries \(2 app files in \/app\/ebin\), [\d.]+ MiB unpacked, [\d.]+ MiB gzip'd \(\d+ bytes\)/,
    );
  });

  it('gives the same sha256 for the same input, built again elsewhere', async () => {
    const again = await builder.build(input(example('hello-erlang')));
    expect(again.imagePath).not.toBe(image.imagePath);
    expect(again.sha256).toBe(image.sha256);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'boots: chrooted into the unpacked image, /init (without its mounts) prints the ready line',
    async () => {
      const tree = mkdtempSync(join(root, 'tree-'));
      for (const r of records) {
        const at = join(tree, r.path);
        const type = r.mode & 0o170000;
        if (type === 0o040000) mkdirSync(at, { recursive: true });
        else if (type === 0o120000) symlinkSync(r.data.toString(), at);
        else if (type === 0o100000) writeFileSync(at, r.data, { mode: r.mode & 0o7777 });
        else if (type === 0o020000)
          spawnSync('mknod', ['-m', (r.mode & 0o777).toString(8), at, 'c', String(r.rdevMajor), String(r.rdevMinor)]);
      }
      const script = files
        .get('init')!
        .data.toString()
        .split('\n')
        .filter((l) => !l.includes('busybox mount'))
        .join('\n');
      const child = spawn('chroot', [tree, '/bin/sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      try {
        await expect.poll(() => out, { timeout: 20_000, interval: 100 }).toMatch(/^hello ready$/m);
        expect(out).toMatch(/^hello: OTP \d+ \(ERTS [\d.]+\) on Linux/m);
      } finally {
        child.kill('SIGKILL');
      }
    },
  );
});

describe('erlang-pv builder inputs', () => {
  it('takes compiled beams from any ebin folder, minus the exclude prefixes, and never follows a symbolic link', async () => {
    const src = mkdtempSync(join(root, 'src-'));
    cpSync(example('hello-erlang'), src, { recursive: true });
    mkdirSync(join(src, 'ebin'));
    expect(spawnSync('erlc', ['-o', join(src, 'ebin'), join(src, 'src/hello.erl')]).status).toBe(0);
    mkdirSync(join(src, 'deps/junk/ebin'), { recursive: true });
    writeFileSync(join(src, 'deps/junk/ebin/junk.beam'), 'junk');
    mkdirSync(join(src, 'deps/lib/src'), { recursive: true });
    mkdirSync(join(src, 'deps/lib/ebin'));
    writeFileSync(join(src, 'deps/lib/src/lib.erl'), '-module(lib).\n');
    expect(spawnSync('erlc', ['-o', join(src, 'deps/lib/ebin'), join(src, 'deps/lib/src/lib.erl')]).status).toBe(0);
    symlinkSync('/etc/passwd', join(src, 'ebin/passwd.beam'));
    mkdirSync(join(src, '.railing/ebin'), { recursive: true });
    writeFileSync(join(src, '.railing/ebin/cache.beam'), 'cache');
    const image = await builder.build(input(src, { exclude: ['deps/junk'] }));
    const records = unpack(image.imagePath);
    expect(records.filter((r) => r.path.startsWith('app/') && r.mode & 0o100000).map((r) => r.path)).toEqual([
      'app/deps/lib/ebin/lib.beam',
      'app/ebin/hello.beam',
    ]);
    expect(byPath(records).get('init')!.data.toString()).toContain("'-pa' '/app/deps/lib/ebin' '-pa' '/app/ebin'");
  });

  it('stops when the job is cancelled, writing no image', async () => {
    const cancelled = new AbortController();
    cancelled.abort(new Error('cancelled by the user'));
    const build = input(example('hello-erlang'));
    build.io = { ...build.io, signal: cancelled.signal };
    await expect(builder.build(build)).rejects.toThrow(/cancelled by the user/);
    expect(existsSync(join(build.outDir, 'hello.img'))).toBe(false);
  });

  it('refuses a .beam that is not compiled Erlang', async () => {
    const src = mkdtempSync(join(root, 'junk-'));
    mkdirSync(join(src, 'ebin'));
    writeFileSync(join(src, 'ebin/hello.beam'), 'not a beam');
    const err = await builder.build(input(src)).catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('bad_beam_file');
    expect((err as Error).message).toMatch(/ebin\/hello\.beam/);
  });

  it("fails with erlc's message when the app does not compile", async () => {
    const src = mkdtempSync(join(root, 'bad-'));
    mkdirSync(join(src, 'src'));
    writeFileSync(join(src, 'src/hello.erl'), '-module(hello).\nstart( ->\n');
    const err = await builder.build(input(src)).catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('erlang_compile_failed');
    expect((err as Error).message).toMatch(/hello\.erl:2:\d+: syntax error before: '->'/);
  });

  it('says what it expected when there is no Erlang code', async () => {
    const src = mkdtempSync(join(root, 'empty-'));
    writeFileSync(join(src, 'README'), 'no code here');
    const err = await builder.build(input(src)).catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('no_erlang_code');
    expect((err as Error).message).toMatch(/ebin\/\*\.beam.*src\/\*\.erl/);
  });

  it('refuses bad input before doing anything, listing every problem', async () => {
    const err = await builder
      .build(input(example('hello-erlang'), { name: 'Hello World', memory: 64, extra: '-s "x"', exclude: ['../etc'] }))
      .catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('bad_build_input');
    expect((err as Error).message).toMatch(
      /name "Hello World"[\s\S]*memory 64: .* from 128[\s\S]*extra: printable[\s\S]*exclude "..\/etc"/,
    );
  });
});

describe('hashFileCached (the kernel, once per process)', () => {
  it('hashes again only when the file was replaced', async () => {
    const k = join(root, 'kernel-swap');
    writeFileSync(k, 'kernel one');
    utimesSync(k, 1_000, 1_000);
    const one = await hashFileCached(k);
    writeFileSync(k, 'kernel 2!!'); // same size, mtime restored: the cache answers
    utimesSync(k, 1_000, 1_000);
    expect(await hashFileCached(k)).toBe(one);
    utimesSync(k, 2_000, 2_000);
    expect(await hashFileCached(k)).toBe(createHash('sha256').update('kernel 2!!').digest('hex'));
  });
});

describe('parseLddOutput', () => {
  it('keeps resolved libraries and the loader, skips the vDSO, fails on a missing library', () => {
    const text = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f93b4f20000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f93b5512000)',
    ].join('\n');
    expect(parseLddOutput(text)).toEqual(['/lib/x86_64-linux-gnu/libm.so.6', '/lib64/ld-linux-x86-64.so.2']);
    expect(parseLddOutput('\tstatically linked\n')).toEqual([]);
    expect(() => parseLddOutput('\tlibfoo.so.1 => not found\n')).toThrow(/libfoo/);
  });
});
