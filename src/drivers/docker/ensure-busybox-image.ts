import { existsSync, mkdtempSync, mkdirSync, copyFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-fs';
import type Docker from 'dockerode';

/** Applets linked in the image, enough for `FROM busybox` Dockerfiles that RUN shell steps and serve HTTP. */
const APPLETS = [
  'sh',
  'httpd',
  'ls',
  'cat',
  'echo',
  'mkdir',
  'sleep',
  'env',
  'printf',
  'wget',
  'rm',
  'cp',
  'mv',
  'sed',
  'grep',
  'test',
  'true',
  'false',
  'id',
  'date',
  'chmod',
  'ln',
  'touch',
];

/**
 * Makes `busybox:latest` from Debian's busybox-static when the engine lacks it. There is no
 * registry to pull from, so the image is imported from a tarball holding /bin/busybox and its
 * applet links.
 */
export async function ensureBusyboxImage(docker: Docker, busyboxPath = '/bin/busybox'): Promise<void> {
  const present = await docker
    .getImage('busybox:latest')
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (present) return;
  const source = [busyboxPath, '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!source) throw new Error('busybox:latest is missing and no static busybox was found: apt-get install busybox-static');
  const root = mkdtempSync(join(tmpdir(), 'voxoz-busybox-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'tmp'));
    copyFileSync(source, join(root, 'bin', 'busybox'));
    for (const applet of APPLETS) symlinkSync('busybox', join(root, 'bin', applet));
    const stream = await docker.importImage(pack(root) as unknown as NodeJS.ReadableStream, { repo: 'busybox', tag: 'latest' });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
