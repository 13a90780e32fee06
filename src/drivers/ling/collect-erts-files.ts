import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CpioEntry } from './write-cpio-newc.ts';

/** Where the runtime sits inside the image, whatever `erlangRoot` is on the build machine. */
export const IMAGE_ERLANG_ROOT = 'usr/lib/erlang';
/**
 * The ERTS programs a `-noshell` node starts: erlexec execs beam.smp, which starts
 * erl_child_setup, and kernel's inet_db starts inet_gethost at boot (without it the node
 * halts: "Can not execute …/inet_gethost").
 */
const ERTS_PROGRAMS = ['erlexec', 'beam.smp', 'erl_child_setup', 'inet_gethost'];
/** The OTP applications `start_clean` boots. Railing puts the same two in every image. */
const OTP_APPS = ['kernel', 'stdlib'];

export interface ErtsFiles {
  /** `13.1.5`, `25` */
  ertsVsn: string;
  otpRelease: string;
  /** Host paths of the ERTS programs, for finding their shared libraries. */
  programs: string[];
  entries: CpioEntry[];
}

/**
 * The part of an installed Erlang/OTP (Debian's `erlang-base`) a node needs to boot
 * `start_clean` with no shell: the four ERTS programs, `releases/<rel>/start_clean.boot`
 * (plus `OTP_VERSION`) and the kernel and stdlib ebin folders, laid out under
 * `/usr/lib/erlang` in the image. The versions come from `releases/start_erl.data`.
 */
export async function collectErtsFiles(erlangRoot: string): Promise<ErtsFiles> {
  const startErl = (await readFile(join(erlangRoot, 'releases', 'start_erl.data'), 'utf8')).trim().split(/\s+/);
  const [ertsVsn, otpRelease] = startErl as [string, string];
  if (!ertsVsn || !otpRelease) throw new Error(`${erlangRoot}/releases/start_erl.data: expected "<erts version> <release>"`);
  const entries: CpioEntry[] = [];
  const programs = ERTS_PROGRAMS.map((p) => join(erlangRoot, `erts-${ertsVsn}`, 'bin', p));
  for (const [i, host] of programs.entries()) {
    entries.push({
      path: `${IMAGE_ERLANG_ROOT}/erts-${ertsVsn}/bin/${ERTS_PROGRAMS[i]}`,
      kind: 'file',
      mode: 0o755,
      data: await readFile(host),
    });
  }
  for (const f of ['start_clean.boot', 'OTP_VERSION']) {
    const host = join(erlangRoot, 'releases', otpRelease, f);
    const data = await readFile(host).catch((err: NodeJS.ErrnoException) => {
      if (f === 'OTP_VERSION' && err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (data) entries.push({ path: `${IMAGE_ERLANG_ROOT}/releases/${otpRelease}/${f}`, kind: 'file', mode: 0o644, data });
  }
  const libs = await readdir(join(erlangRoot, 'lib'));
  for (const app of OTP_APPS) {
    const dir = newest(libs.filter((d) => d.startsWith(`${app}-`)));
    if (!dir) throw new Error(`${erlangRoot}/lib has no ${app}-* folder`);
    const ebin = join(erlangRoot, 'lib', dir, 'ebin');
    for (const f of (await readdir(ebin)).sort()) {
      if (!(await stat(join(ebin, f))).isFile()) continue;
      entries.push({ path: `${IMAGE_ERLANG_ROOT}/lib/${dir}/ebin/${f}`, kind: 'file', mode: 0o644, data: await readFile(join(ebin, f)) });
    }
  }
  return { ertsVsn, otpRelease, programs, entries };
}

/** `kernel-8.5.3` over `kernel-8.5`: compares the dotted numbers. */
function newest(dirs: string[]): string | undefined {
  const nums = (d: string) =>
    d
      .slice(d.indexOf('-') + 1)
      .split('.')
      .map(Number);
  return dirs
    .sort((a, b) => {
      const [x, y] = [nums(a), nums(b)];
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    })
    .at(-1);
}
