import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import type { AppSpec } from '../../src/config/schema.ts';
import { isUserError } from '../../src/core/user-error.ts';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { createDockerDriver } from '../../src/drivers/docker/docker-driver.ts';
import type { Driver, DriverIO } from '../../src/drivers/driver.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

const docker = createDockerClient(inject('dockerHost'));
const instance = `t${randomUUID().slice(0, 8)}`;
const scratch = mkdtempSync(join(tmpdir(), 'vxd-'));
let driver: Driver;
let port: number;

function ioFor(lines: string[], controller = new AbortController()): DriverIO {
  return { log: (l) => lines.push(l), step: () => undefined, signal: controller.signal, now: () => new Date() };
}

function appSpec(overrides: Record<string, unknown>): AppSpec {
  return validateConfig({ apps: [{ name: 'hello', source: { path: HELLO_APP_DIR }, port, health: { timeoutSeconds: 10 }, ...overrides }] }, join(scratch, 'voxoz.yml')).apps[0]!;
}

async function page(p = port): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${p}/`);
  return `${res.status} ${await res.text()}`;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isUserError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a UserError');
}

beforeAll(async () => {
  port = await findFreePort();
  driver = createDockerDriver({ docker, instance, workDir: join(scratch, 'builds'), secretValues: () => ({ HELLO_TOKEN: 'sekrit' }) });
});

afterAll(async () => {
  const containers = await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${instance}`] } });
  for (const c of containers) await docker.getContainer(c.Id).remove({ force: true });
  const images = await docker.listImages({ filters: { label: [`voxoz.instance=${instance}`] } });
  for (const i of images) await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

describe('Docker driver on a real engine', () => {
  it('builds from a path with the build log streamed, deploys, answers HTTP 200 and reports status', async () => {
    const app = appSpec({});
    const lines: string[] = [];
    const artifact = await driver.build({ app, env: 'production', release: 1, port }, undefined, ioFor(lines));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^Step 1\/\d+ : FROM busybox$/), `Successfully tagged ${instance}-hello:production-v1`]));
    expect(artifact).toMatchObject({ id: expect.stringMatching(/^sha256:/), name: `${instance}-hello:production-v1` });
    const outcome = await driver.deploy({ app, env: 'production', release: 1, port }, artifact, ioFor(lines));
    expect(outcome.healthy).toBe(1);
    expect(await page()).toBe(`200 <!doctype html>\n<html><head><title>hello</title></head>\n<body><h1>hello from release v1</h1></body></html>\n`);
    const status = await driver.status(app, 'production');
    expect(status).toMatchObject([{ name: `${instance}-hello-production-v1-0`, release: 1, state: 'running', healthy: true, address: `127.0.0.1:${port}` }]);
    expect(Date.parse(status[0]!.startedAt!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('replaces v1 with v2 and removes the old containers', async () => {
    const app = appSpec({ env: { GREETING: 'howdy' } });
    const lines: string[] = [];
    const artifact = await driver.build({ app, env: 'production', release: 2, port }, undefined, ioFor(lines));
    await driver.deploy({ app, env: 'production', release: 2, port }, artifact, ioFor(lines));
    expect(await page()).toContain('howdy from release v2');
    expect((await driver.status(app, 'production')).map((i) => i.release)).toEqual([2]);
  });

  it('restores the running release when the new one exits before its health check', async () => {
    const broken = join(scratch, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'Dockerfile'), 'FROM busybox\nCMD ["/bin/sh", "-c", "echo cannot start: missing config; exit 3"]\n');
    const app = appSpec({ source: { path: broken } });
    const lines: string[] = [];
    const artifact = await driver.build({ app, env: 'production', release: 3, port }, undefined, ioFor(lines));
    const err = await failure(driver.deploy({ app, env: 'production', release: 3, port }, artifact, ioFor(lines)));
    expect(err.code).toBe('instance_exited');
    expect(err.message).toMatch(/^v3 exited( with code 3)?( \(restarted \d+ times?\))? before answering its health check on 127\.0\.0\.1:\d+\/$/);
    expect(lines).toContain('  | cannot start: missing config');
    expect(await page()).toContain('from release v2');
    expect((await driver.status(app, 'production')).map((i) => [i.release, i.state])).toEqual([[2, 'running']]);
  });

  it('cancelling during the health wait removes the new release and restores the old', async () => {
    const silent = join(scratch, 'silent');
    mkdirSync(silent);
    writeFileSync(join(silent, 'Dockerfile'), 'FROM busybox\nCMD ["sleep", "300"]\n');
    const app = appSpec({ source: { path: silent } });
    const lines: string[] = [];
    const artifact = await driver.build({ app, env: 'production', release: 4, port }, undefined, ioFor(lines));
    const controller = new AbortController();
    const deploying = driver.deploy({ app, env: 'production', release: 4, port }, artifact, ioFor(lines, controller));
    setTimeout(() => controller.abort('alice'), 1000);
    await expect(deploying).rejects.toBe('alice');
    expect(lines).toContain('cancelled: removing v4 and restoring what ran before');
    expect(await page()).toContain('from release v2');
    expect((await driver.status(app, 'production')).map((i) => i.release)).toEqual([2]);
  });

  it('a retried deploy clears what an interrupted attempt left and restores the release it had stopped', async () => {
    const app = appSpec({});
    const [serving] = await driver.status(app, 'production');
    expect(serving!.release).toBe(2);
    // The interrupted attempt of v7 had stopped v2 and created its own replica before dying.
    await docker.getContainer(serving!.id).stop();
    const leftover = await docker.createContainer({ name: `${instance}-hello-production-v7-0`, Image: 'busybox:latest', Cmd: ['sleep', '300'], Labels: { 'voxoz.instance': instance, 'voxoz.app': 'hello', 'voxoz.env': 'production', 'voxoz.release': '7', 'voxoz.port': String(port) } });
    const broken = join(scratch, 'broken');
    const lines: string[] = [];
    const artifact = await driver.build({ app: appSpec({ source: { path: broken } }), env: 'production', release: 7, port }, undefined, ioFor(lines));
    const err = await failure(driver.deploy({ app: appSpec({ source: { path: broken } }), env: 'production', release: 7, port }, artifact, ioFor(lines)));
    expect(err.code).toBe('instance_exited');
    expect(lines).toContain(`removing ${instance}-hello-production-v7-0, left over from an interrupted attempt`);
    await expect(docker.getContainer(leftover.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await page()).toContain('from release v2');
    expect((await driver.status(app, 'production')).map((i) => [i.release, i.state])).toEqual([[2, 'running']]);
  });

  it('refuses a port that something else already serves, before touching the running release', async () => {
    const squatter = createServer((_req, res) => res.end('not hello')).listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const taken = (squatter.address() as AddressInfo).port;
    try {
      const app = appSpec({});
      const lines: string[] = [];
      const artifact = await driver.build({ app, env: 'production', release: 8, port }, undefined, ioFor(lines));
      const err = await failure(driver.deploy({ app, env: 'production', release: 8, port: taken }, artifact, ioFor(lines)));
      expect(err).toEqual({ code: 'port_in_use', message: `127.0.0.1:${taken} is already in use by something other than hello (production); free it or give the app another port in voxoz.yml` });
      expect(await page()).toContain('from release v2');
      // Another environment of voxoz's own is named, so the user knows what to move.
      const clash = await failure(driver.deploy({ app, env: 'staging', release: 1, port }, artifact, ioFor(lines)));
      expect(clash.message).toBe(`127.0.0.1:${port} is already in use by ${instance}-hello-production-v2-0 (hello production v2); free it or give the app another port in voxoz.yml`);
      expect(await driver.status(app, 'staging')).toEqual([]);
    } finally {
      squatter.close();
    }
  });

  it('cancelling a build stops it and leaves no build container behind', async () => {
    const slow = join(scratch, 'slow-build');
    mkdirSync(slow);
    writeFileSync(join(slow, 'Dockerfile'), `FROM busybox\nRUN sleep 30 && echo ${instance}\n`);
    const controller = new AbortController();
    const lines: string[] = [];
    const building = driver.build({ app: appSpec({ source: { path: slow } }), env: 'production', release: 9, port }, undefined, ioFor(lines, controller));
    building.catch(() => undefined);
    const leftovers = async () => (await docker.listContainers({ all: true })).filter((c) => c.Command.includes(instance));
    let deadline = Date.now() + 15_000;
    while ((await leftovers()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await leftovers(), 'the RUN step\'s container should exist while it builds').toHaveLength(1);
    const started = Date.now();
    controller.abort('alice');
    await expect(building).rejects.toBe('alice');
    expect(Date.now() - started).toBeLessThan(5_000);
    deadline = Date.now() + 15_000;
    while ((await leftovers()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await leftovers()).toEqual([]);
  });

  it('reports a Dockerfile error as the user\'s to fix', async () => {
    const bad = join(scratch, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'Dockerfile'), 'FROM busybox\nCOPY does-not-exist /x\n');
    const lines: string[] = [];
    const err = await failure(driver.build({ app: appSpec({ source: { path: bad } }), env: 'production', release: 5, port }, undefined, ioFor(lines)));
    expect(err.code).toBe('build_failed');
    expect(err.message).toMatch(/does-not-exist/);
    const missing = await failure(driver.build({ app: appSpec({ source: { path: scratch }, dockerfile: 'Nope.dockerfile' }), env: 'production', release: 6, port }, undefined, ioFor(lines)));
    expect(missing).toMatchObject({ code: 'dockerfile_missing' });
  });

  describe('from git', () => {
    const repo = join(scratch, 'repo');
    let sha = '';
    beforeAll(() => {
      cpSync(HELLO_APP_DIR, repo, { recursive: true });
      const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).toString().trim();
      git('init', '-q', '-b', 'main');
      git('add', '.');
      git('commit', '-q', '-m', 'hello');
      git('tag', 'v1.0');
      sha = git('rev-parse', 'HEAD');
    });

    it('clones with timestamped, logged git steps and builds the ref', async () => {
      const app = appSpec({ source: { git: `file://${repo}`, ref: 'main' } });
      const lines: string[] = [];
      const artifact = await driver.build({ app, env: 'staging', release: 1, port }, 'v1.0', ioFor(lines));
      expect(artifact.commit).toBe(sha);
      const clone = lines.findIndex((l) => /^>>> \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \/\S*git .*clone --no-checkout -- file:\/\/\S+ \.$/.test(l));
      expect(clone, lines.join('\n')).toBeGreaterThanOrEqual(0);
      expect(lines.slice(clone)).toEqual(expect.arrayContaining([expect.stringMatching(/^>>> \S+ exit status: 0$/), `checked out v1.0 at ${sha.slice(0, 12)}`]));
      expect(lines.some((l) => /--end-of-options refs\/remotes\/origin\/v1\.0\^\{commit\}/.test(l))).toBe(true);
    });

    it('says when a ref does not exist', async () => {
      const app = appSpec({ source: { git: `file://${repo}`, ref: 'main' } });
      const err = await failure(driver.build({ app, env: 'staging', release: 2, port }, 'no-such-branch', ioFor([])));
      expect(err).toEqual({ code: 'ref_not_found', message: `"no-such-branch" is not a branch, tag or commit in file://${repo}` });
    });

    it('says when the repository cannot be cloned', async () => {
      const app = appSpec({ source: { git: `file://${scratch}/missing-repo`, ref: 'main' } });
      expect(await failure(driver.build({ app, env: 'staging', release: 3, port }, undefined, ioFor([])))).toMatchObject({ code: 'git_clone_failed' });
    });
  });
});
