import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { contextIgnore } from '../../src/drivers/docker/context-ignore.ts';
import { SHUTDOWN_STEP_MS } from '../../src/lifecycle/shutdown.ts';
import { DRAIN_MS } from '../../src/main.ts';
import { importLocalNodeImage } from '../support/local-node-image.ts';

const run = promisify(execFile);
const checkout = resolve(import.meta.dirname, '../..');
const id = randomUUID().slice(0, 8);
const scratch = mkdtempSync(join(tmpdir(), 'vxpkg-'));
const dockerHost = inject('dockerHost');
const docker = createDockerClient(dockerHost);
const baseImage = `voxoz-test-node-${id}:20`;
const buildImage = `voxoz-test-build-${id}:latest`;
const image = `voxoz-test-${id}:latest`;

afterAll(async () => {
  // The image first, then the stages and the base it was made from (each removal takes its untagged layers along).
  for (const tag of [image, buildImage, baseImage])
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

/** `docker` against the tests' private engine; argument arrays only, bounded in time. */
function dockerCli(args: string[], timeoutMs: number) {
  return run('docker', ['-H', dockerHost, ...args], {
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    // The engine's own (legacy) builder: this CLI has no buildx.
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  }).catch((err: Error & { stdout?: string }) => {
    // The build's own output (what npm or the shell said) is on stdout.
    err.message += `\n--- stdout (end) ---\n${(err.stdout ?? '').slice(-4000)}`;
    throw err;
  });
}

/**
 * The lockfile with each registry package's tarball address filled in. This repo's lockfile
 * leaves them out (omit-lockfile-registry-resolved), so `npm ci` would ask the registry for
 * each package's metadata, which `--offline` can only answer from a cache holding it in the
 * form npm ci asks for; the tarballs themselves are in the cache, found by address and integrity.
 */
function withResolved(lockText: string, registry: string): string {
  const lock = JSON.parse(lockText) as {
    packages: Record<string, { version?: string; resolved?: string; integrity?: string; link?: boolean; name?: string }>;
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path || entry.link || entry.resolved || !entry.integrity || !entry.version) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    entry.resolved = new URL(
      `${name}/-/${name.split('/').pop()}-${entry.version}.tgz`,
      registry.endsWith('/') ? registry : `${registry}/`,
    ).href;
  }
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** A unit file's `[Service]` settings (last one wins, as systemd reads them). */
function serviceSection(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  let section = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) section = line;
    else if (section === '[Service]' && line && !line.startsWith('#')) {
      const at = line.indexOf('=');
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

describe('docker-compose.yml', () => {
  it('is valid for docker-compose and runs Redis with AOF and noeviction beside voxoz driving the host engine', async () => {
    const { stdout } = await run('docker-compose', ['-f', join(checkout, 'docker-compose.yml'), 'config'], {
      timeout: 30_000,
      env: { ...process.env, DOCKER_GID: '4242' },
    });
    const config = parse(stdout) as {
      services: Record<
        string,
        { command?: string[]; volumes?: string[]; network_mode?: string; group_add?: string[]; [k: string]: unknown }
      >;
    };
    expect(Object.keys(config.services).sort()).toEqual(['redis', 'voxoz']);
    const redis = config.services.redis!;
    const command = redis.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    const voxoz = config.services.voxoz!;
    expect(voxoz.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock:rw');
    expect(voxoz.group_add).toEqual(['4242']);
    expect(voxoz.network_mode).toBe('host');
    expect(redis.network_mode).toBe('host');
    expect(JSON.stringify(voxoz.healthcheck)).toContain('/healthz');
    expect((voxoz.environment as Record<string, string>).REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('refuses to start without the docker socket group id, naming the fix', async () => {
    const env = { ...process.env };
    delete env.DOCKER_GID;
    const failed = await run('docker-compose', ['-f', join(checkout, 'docker-compose.yml'), 'config'], { timeout: 30_000, env }).then(
      () => undefined,
      (err: { stderr: string }) => err.stderr,
    );
    expect(failed).toContain('stat -c %g /var/run/docker.sock');
  });
});

describe('systemd units', () => {
  const units = ['voxoz.service', 'voxoz-worker.service'];

  /** `systemd-analyze verify` on copies whose paths point at this checkout and this node. */
  async function verify(edit: (text: string) => string = (t) => t): Promise<{ code: number; stderr: string }> {
    const dir = mkdtempSync(join(scratch, 'units-'));
    for (const unit of units) {
      const text = readFileSync(join(checkout, 'deploy/systemd', unit), 'utf8')
        .replaceAll('/opt/voxoz', checkout)
        .replaceAll('/usr/bin/node', process.execPath);
      writeFileSync(join(dir, unit), edit(text));
    }
    return run('systemd-analyze', ['verify', ...units.map((u) => join(dir, u))], { timeout: 30_000 }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
  }

  it('pass systemd-analyze verify with no warning', async () => {
    expect(await verify()).toEqual({ code: 0, stderr: '' });
  });

  it('would be caught by the verify above with a misspelled directive', async () => {
    const bad = await verify((t) => t.replace('KillMode=', 'KillMod='));
    expect(bad.stderr).toContain("Unknown key 'KillMod'");
  });

  it.each(units)('%s stops voxoz first, restarts it on failure, runs it unprivileged with the docker group', (unit) => {
    const s = serviceSection(join(checkout, 'deploy/systemd', unit));
    expect(s.KillMode).toBe('mixed');
    expect(s.Restart).toBe('on-failure');
    expect(s.User).toBe('voxoz');
    expect(s.SupplementaryGroups).toBe('docker');
    expect(s.EnvironmentFile).toBe('/etc/voxoz/voxoz.env');
    expect(s.WorkingDirectory).toBe('/opt/voxoz');
    expect(s.ExecStart).toBe(`/usr/bin/node /opt/voxoz/bin/voxoz.js ${unit === 'voxoz.service' ? 'start' : 'worker'}`);
    // Above voxoz's own bound: the worker drain (DRAIN_MS + 60 s), its services (40 s), and the
    // other steps at SHUTDOWN_STEP_MS each (src/main.ts: eleven for `start`, four for `worker`).
    const others = unit === 'voxoz.service' ? 11 : 4;
    const boundS = (DRAIN_MS + 60_000 + 40_000 + others * SHUTDOWN_STEP_MS) / 1000;
    expect(Number.parseInt(s.TimeoutStopSec!, 10)).toBeGreaterThan(boundS);
  });
});

describe('the Docker image, built with no network from a locally made base', () => {
  it('builds, runs as a non-root user with no dev dependencies, and prints its usage', { timeout: 480_000 }, async () => {
    const t0 = Date.now();
    await importLocalNodeImage(docker, baseImage, join(checkout, 'node_modules'));
    // The build context as the Docker CLI would send it (the checkout minus .dockerignore), plus an npm cache for `npm ci --offline`.
    const context = join(scratch, 'context');
    const ignored = contextIgnore(checkout, 'Dockerfile');
    cpSync(checkout, context, { recursive: true, filter: (src) => src === checkout || !ignored(src) });
    const { stdout: cache } = await run('npm', ['config', 'get', 'cache'], { timeout: 30_000 });
    const { stdout: registry } = await run('npm', ['config', 'get', 'registry'], { timeout: 30_000 });
    writeFileSync(
      join(context, 'package-lock.json'),
      withResolved(readFileSync(join(context, 'package-lock.json'), 'utf8'), registry.trim()),
    );
    await run('tar', ['-cf', join(context, 'npm-offline.tar'), '-C', cache.trim(), '_cacache'], { timeout: 120_000 });
    const tBase = Date.now();
    const args = ['--network', 'none', '--build-arg', `NODE_IMAGE=${baseImage}`, '--build-arg', 'SYSTEM_PACKAGES=', '--force-rm'];
    // The build stage alone first, tagged, so that its layers can be removed afterwards.
    await dockerCli(['build', ...args, '--target', 'build', '-t', buildImage, context], 300_000);
    await dockerCli(['build', ...args, '-t', image, context], 300_000);
    const tBuild = Date.now();

    const info = await docker.getImage(image).inspect();
    expect(info.Config.User).toBe('10001:10001');
    expect(info.Config.Cmd).toEqual(['node', 'bin/voxoz.js', 'start']);

    const inContainer = (cmd: string[]) => dockerCli(['run', '--rm', '--network', 'none', image, ...cmd], 60_000);
    // Every package the lockfile installs only for development (vitest, biome, typescript, …), and a few the app runs on.
    const lock = JSON.parse(readFileSync(join(checkout, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => entry.dev && path.startsWith('node_modules/'))
      .map(([path]) => path.slice('node_modules/'.length));
    expect(devOnly).toEqual(expect.arrayContaining(['vitest', '@biomejs/biome', 'typescript', 'dependency-cruiser']));
    const probe = await inContainer([
      'node',
      '-e',
      `const fs = require('node:fs');
       const has = (p) => fs.existsSync('node_modules/' + p);
       console.log(JSON.stringify({
         uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(),
         dev: JSON.parse(process.argv[1]).filter(has),
         prod: ['esbuild', 'bullmq', 'dockerode', 'yaml'].filter(has),
         npmCache: fs.existsSync('/root/.npm') || fs.existsSync('/tmp/npm-offline') || fs.existsSync('npm-offline.tar'),
         dataDir: fs.statSync('/var/lib/voxoz').uid,
       }));`,
      JSON.stringify(devOnly),
    ]);
    expect(JSON.parse(probe.stdout)).toEqual({
      uid: 10001,
      gid: 10001,
      cwd: '/opt/voxoz',
      dev: [],
      prod: ['esbuild', 'bullmq', 'dockerode', 'yaml'],
      npmCache: false,
      dataDir: 10001,
    });
    const help = await inContainer(['node', 'bin/voxoz.js', '--help']);
    expect(help.stdout).toContain('voxoz worker                run only workers');
    // The front door voxoz starts is in the image and runs as voxoz.
    const caddy = await inContainer(['caddy', 'version']);
    expect(caddy.stdout).toMatch(/^v?2\./);
    // What the image holds of the checkout: the app, not its tests or state.
    const listing = await inContainer(['ls', '-A', '/opt/voxoz']);
    expect(listing.stdout.split('\n').filter(Boolean).sort()).toEqual(
      [
        'adapters',
        'bin',
        'commands',
        'examples',
        'node_modules',
        'package-lock.json',
        'package.json',
        'src',
        'voxoz.example.yml',
        'voxoz.yml',
      ].sort(),
    );
    console.log(
      `packaging: base image + context ${((tBase - t0) / 1000).toFixed(1)} s, build ${((tBuild - tBase) / 1000).toFixed(1)} s, runs ${((Date.now() - tBuild) / 1000).toFixed(1)} s`,
    );
  });
});
