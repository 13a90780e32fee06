import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-fs';

/** The shared libraries and loader `binary` needs, from `ldd` (absolute paths; none for a static binary). */
function linkedLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return []; // "not a dynamic executable"
  }
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

/** The absolute path of `program` on this machine's PATH, or an error naming it. */
function which(program: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, program);
    if (dir && existsSync(p)) return realpathSync(p);
  }
  throw new Error(`${program} is not installed here; the local base image needs it`);
}

/**
 * Makes, with no registry, a base image standing in for `node:20-bookworm-slim`: this machine's
 * node and npm, a static busybox as /bin/sh and the usual applets (tar for the offline npm
 * cache), and the programs voxoz's image must hold (caddy, git, setcap), each with the shared
 * libraries `ldd` names, and the libraries the native addons under `nodeModules` link. Imported into `docker` as `tag` (repo:tag).
 */
export async function importLocalNodeImage(docker: Docker, tag: string, nodeModules: string): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'vx-node-image-'));
  try {
    const put = (from: string, to = from) => {
      mkdirSync(join(root, dirname(to)), { recursive: true });
      if (!existsSync(join(root, to))) copyFileSync(from, join(root, to));
    };
    const withLibraries = (binary: string, to: string) => {
      put(binary, to);
      for (const lib of linkedLibraries(binary)) put(lib);
    };
    withLibraries(process.execPath, '/usr/bin/node');
    for (const program of ['caddy', 'git', 'setcap']) withLibraries(which(program), `/usr/bin/${program}`);
    // What the native addons link besides node's own libraries (librt for resvg, …), as a full libc6 would hold.
    const addons = execFileSync('find', [nodeModules, '-name', '*.node', '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const addon of addons) for (const lib of linkedLibraries(addon)) put(lib);
    // npm: its package folder beside node's, and the `npm` link the Dockerfile runs.
    const npmCli = realpathSync(which('npm'));
    const npmDir = dirname(dirname(npmCli));
    cpSync(npmDir, join(root, 'usr/lib/node_modules/npm'), { recursive: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/bin/npm'));
    const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
    if (!busybox || linkedLibraries(busybox).length > 0) throw new Error('a static busybox is needed: apt-get install busybox-static');
    put(busybox, '/bin/busybox');
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const applet of applets)
      if (applet !== 'busybox' && !existsSync(join(root, 'bin', applet))) symlinkSync('busybox', join(root, 'bin', applet));
    // `#!/usr/bin/env node` scripts (npm's, packages' install scripts).
    symlinkSync('/bin/busybox', join(root, 'usr/bin/env'));
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\n');
    for (const dir of ['tmp', 'root', 'usr/sbin', 'var/lib']) mkdirSync(join(root, dir), { recursive: true });
    // tar-fs applies the umask to modes; /tmp must stay world-writable with the sticky bit, as in node's images.
    const tarball = pack(root, { map: (header) => (header.name.replace(/\/$/, '') === 'tmp' ? { ...header, mode: 0o41777 } : header) });
    const stream = await docker.importImage(tarball as unknown as NodeJS.ReadableStream, {
      repo: tag.split(':')[0],
      tag: tag.split(':')[1] ?? 'latest',
    });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
