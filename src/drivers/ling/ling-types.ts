import type { DriverIO } from '../driver.ts';

/**
 * One command to a Xen host's forced-command wrapper (`xen/voxoz-xl`), as validated tokens:
 * `put-image <sha256>` and `put-config <name>` (content on stdin), `create|destroy|console-tail <name>`,
 * `list [name]`, `info`. Nothing here is ever joined into a shell string by voxoz: the SSH
 * transport sends the tokens as the exec request the wrapper reads from SSH_ORIGINAL_COMMAND, the
 * local transport passes them as argv.
 */
export type XenCommand = readonly string[];

export interface XenResult {
  /** 0 done, 2 refused by the wrapper (bad verb, name, hash, config), anything else: xl failed. */
  code: number;
  stdout: string;
  stderr: string;
}

/** How voxoz reaches one Xen host's wrapper: over SSH (ssh2, pinned host key) or locally in dom0. */
export interface XenTransport {
  run(command: XenCommand, opts?: { stdin?: Buffer | string; signal?: AbortSignal }): Promise<XenResult>;
  close(): Promise<void>;
}

/** What `railing image` writes beside `<name>.img`, and what voxoz's own builder writes too. */
export interface DomainConfig {
  name: string;
  /** Path of the kernel on the Xen host (railing: the image itself). */
  kernel: string;
  /** erlang-pv: the app image (initramfs) on the Xen host. */
  ramdisk?: string;
  extra: string;
  /** MiB */
  memory: number;
  vif?: string[];
}

/** A bootable image made from an Erlang app's .beam files. */
export interface LingImage {
  builder: 'erlang-pv' | 'railing';
  /** The image file on the worker's machine: railing's `<name>.img` (a kernel), or erlang-pv's initramfs. */
  imagePath: string;
  /** sha256 of imagePath (hex): what a release pins. */
  sha256: string;
  /** erlang-pv: the PV Linux kernel the image boots with (the image is its ramdisk); railing: unset (the image is the kernel). */
  kernelPath?: string;
  kernelSha256?: string;
  /**
   * The kernel command line the domain boots with (xl's `extra`). railing: its domain_config's
   * `extra`, the LING command line (`-e` plus the `-home /<name> -pz /<name>/ebin` railing adds).
   * erlang-pv: `console=hvc0 loglevel=4`; the start arguments are written into the image's /init.
   */
  extra: string;
  /** MiB, railing's `-m`. */
  memory: number;
}

export interface LingBuildInput {
  /** The app's name ([a-z0-9-]); railing's `-n`. */
  name: string;
  /** A folder holding the app: every `**\/ebin/*.beam` under it goes into the image (erlang-pv compiles `src/*.erl` first when there are no beams). */
  sourceDir: string;
  /** Where the image is written (a fresh folder per build). */
  outDir: string;
  /** MiB, railing's `-m`. */
  memory: number;
  /** Erlang start arguments, railing's `-e`, e.g. `-s hello start`: split on spaces (no quoting), printable ASCII without `"` or `\`. */
  extra: string;
  /**
   * What is left out, railing's `-x`: path prefixes relative to sourceDir, compared as plain
   * string prefixes as railing does (`deps/lager` leaves out `deps/lager/ebin/*`). The OTP
   * applications in an image are always kernel and stdlib.
   */
  exclude: readonly string[];
  io: DriverIO;
}

/** Turns .beam files into a bootable Xen PV image; `erlang-pv` and `railing` are the two. */
export interface LingBuilder {
  readonly name: 'erlang-pv' | 'railing';
  build(input: LingBuildInput): Promise<LingImage>;
}
