/** Erlang emulator flags every image gets: schedulers sleep at once instead of spinning, since many small domains share a host's CPUs. */
export const EMULATOR_FLAGS = ['+sbwt', 'none', '+sbwtdcpu', 'none', '+sbwtdio', 'none'];

export interface PvInit {
  /** In-image absolute paths. */
  rootdir: string;
  bindir: string;
  /** The boot script without `.boot`. */
  boot: string;
  /** Folders holding the app's .beam files, added with `-pa`. */
  codePaths: readonly string[];
  /** The app's start arguments (`extra`), split on spaces as a kernel command line is. */
  extra: string;
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The image's `/init`: a busybox sh script that mounts proc, sys and devtmpfs and `exec`s the
 * Erlang emulator (erlexec, with the environment the `erl` script would set). Its output goes
 * to the console the kernel opened for init (hvc0 under Xen, ttyS0 under plain QEMU: the
 * last `console=`), so nothing here names a console. The start arguments are written into the
 * script, not read from the kernel command line, so a domain's `extra` stays `console=hvc0`.
 * No crash dump (it would fill the RAM disk). When the emulator exits, init ends and the kernel panics, which Xen reports as a crash.
 */
export function renderPvInit(init: PvInit): string {
  const args = [
    ...EMULATOR_FLAGS,
    '-noshell',
    '-boot',
    init.boot,
    ...init.codePaths.flatMap((p) => ['-pa', p]),
    ...init.extra.split(' ').filter(Boolean),
  ];
  return [
    '#!/bin/sh',
    '# voxoz erlang-pv: boot straight into the Erlang app; no OS services.',
    '/bin/busybox mount -t proc proc /proc',
    '/bin/busybox mount -t sysfs sysfs /sys',
    '/bin/busybox mount -t devtmpfs devtmpfs /dev',
    `export HOME=/ PATH=/bin ROOTDIR=${quote(init.rootdir)} BINDIR=${quote(init.bindir)} EMU=beam PROGNAME=erl ERL_CRASH_DUMP_SECONDS=0`,
    `exec "$BINDIR/erlexec" ${args.map(quote).join(' ')}`,
    '',
  ].join('\n');
}
