import { execFileSync } from 'node:child_process';
import { cpSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerTestbed, failure, ioFor, page } from '../support/docker-apps.ts';
import { formatInstances } from '../../src/jobs/processors/status.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// Each test makes its own app (own name and port) and deploys its own baseline release, so any
// test passes alone, in any order, whatever another one left behind.
const bed = dockerTestbed();
const { docker, instance, scratch, driver } = bed;
afterAll(() => bed.cleanup());

/** An app whose container exits at once (made once, shared: it is only read). */
function brokenApp(): string {
  const broken = join(scratch, 'broken');
  mkdirSync(broken, { recursive: true });
  writeFileSync(join(broken, 'Dockerfile'), 'FROM busybox\nCMD ["/bin/sh", "-c", "echo cannot start: missing config; exit 3"]\n');
  return broken;
}

describe('Docker driver on a real engine', () => {
  it('builds from a path with the build log streamed, deploys, answers HTTP 200 and reports status', async () => {
    const hello = await bed.freshApp();
    const app = hello.spec();
    const lines: string[] = [];
    const artifact = await driver.build(hello.target(1), undefined, ioFor(lines));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Step 1\/\d+ : FROM busybox$/),
        `Successfully tagged ${instance}-${hello.name}:production-v1`,
      ]),
    );
    expect(artifact).toMatchObject({ id: expect.stringMatching(/^sha256:/), name: `${instance}-${hello.name}:production-v1` });
    const outcome = await driver.deploy(hello.target(1), artifact, ioFor(lines));
    expect(outcome).toMatchObject({ healthy: 1, address: `127.0.0.1:${hello.port}` });
    expect(await page(hello.port)).toBe(
      `200 <!doctype html>\n<html><head><title>hello</title></head>\n<body><h1>hello from release v1</h1></body></html>\n`,
    );
    const status = await driver.status(app, 'production');
    expect(status).toMatchObject([
      {
        name: `${instance}-${hello.name}-production-v1-0`,
        release: 1,
        state: 'running',
        healthy: true,
        // The replica's own port, from the shared range; clients use the front door on hello.port.
        address: expect.stringMatching(/^127\.0\.0\.1:2\d{4}$/),
      },
    ]);
    expect(await bed.frontDoor.route({ instance, app: hello.name, env: 'production', listen: `127.0.0.1:${hello.port}` })).toEqual({
      upstreams: [status[0]!.address],
      fence: 0,
    });
    expect(Date.parse(status[0]!.startedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(status[0]!.restarts).toBe(0);

    // Its process killed from outside, the engine restarts it: status counts the restart.
    const replica = docker.getContainer(status[0]!.id);
    process.kill((await replica.inspect()).State.Pid, 'SIGKILL');
    for (let i = 0; i < 200; i++) {
      const { State, RestartCount } = await replica.inspect();
      if (RestartCount === 1 && State.Running && !State.Restarting) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const after = await driver.status(app, 'production');
    expect(after).toMatchObject([{ state: 'running', restarts: 1 }]);
    expect(formatInstances(hello.name, after, new Date()).split('\n')).toEqual([
      expect.stringMatching(/^instance\s+release\s+state\s+health\s+uptime\s+restarts\s+address$/),
      expect.stringMatching(
        new RegExp(`^${instance}-${hello.name}-production-v1-0\\s+v1\\s+running\\s+\\S+\\s+\\d+s\\s+1\\s+127\\.0\\.0\\.1:2\\d{4}$`),
      ),
    ]);
  });

  it('replaces v1 with v2 and removes the old containers', async () => {
    const hello = await bed.freshApp();
    await hello.deploy(1);
    expect(await page(hello.port)).toContain('hello from release v1');
    await hello.deploy(2, { env: { GREETING: 'howdy' } });
    expect(await page(hello.port)).toContain('howdy from release v2');
    expect((await driver.status(hello.spec(), 'production')).map((i) => i.release)).toEqual([2]);
  });

  it('restores the running release when the new one exits before its health check', async () => {
    const broken = brokenApp();
    const hello = await bed.freshApp();
    await hello.deploy(2);
    const lines: string[] = [];
    const artifact = await driver.build(hello.target(3, { source: { path: broken } }), undefined, ioFor(lines));
    const err = await failure(driver.deploy(hello.target(3, { source: { path: broken } }), artifact, ioFor(lines)));
    expect(err.code).toBe('instance_exited');
    expect(err.message).toMatch(
      /^v3 exited( with code 3)?( \(restarted \d+ times?\))? before answering its health check on 127\.0\.0\.1:\d+\/$/,
    );
    expect(lines).toContain('  | cannot start: missing config');
    expect(lines).toContain('deploy failed: removing v3 and restoring v2');
    expect(await page(hello.port)).toContain('from release v2');
    expect((await driver.status(hello.spec(), 'production')).map((i) => [i.release, i.state])).toEqual([[2, 'running']]);
  });

  it('a first release that fails is removed, and the log says there was nothing to restore', async () => {
    const broken = brokenApp();
    const hello = await bed.freshApp();
    const lines: string[] = [];
    const artifact = await driver.build(hello.target(1, { source: { path: broken } }), undefined, ioFor(lines));
    expect((await failure(driver.deploy(hello.target(1, { source: { path: broken } }), artifact, ioFor(lines)))).code).toBe(
      'instance_exited',
    );
    expect(lines).toContain('deploy failed: removing v1; no release ran before it, so there is nothing to restore');
    expect(await driver.status(hello.spec(), 'production')).toEqual([]);
  });

  it('cancelling during the health wait removes the new release and restores the old', async () => {
    const silent = join(scratch, 'silent');
    mkdirSync(silent);
    writeFileSync(join(silent, 'Dockerfile'), 'FROM busybox\nCMD ["sleep", "300"]\n');
    const hello = await bed.freshApp();
    await hello.deploy(2);
    const lines: string[] = [];
    const artifact = await driver.build(hello.target(4, { source: { path: silent } }), undefined, ioFor(lines));
    const controller = new AbortController();
    const deploying = driver.deploy(hello.target(4, { source: { path: silent } }), artifact, ioFor(lines, controller));
    // Cancel once the health wait has begun, not after a fixed time: a busy machine may not be there yet.
    const waiting = () => lines.some((l) => l.startsWith('waiting up to'));
    for (let i = 0; i < 300 && !waiting(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(waiting(), lines.join('\n')).toBe(true);
    controller.abort('alice');
    await expect(deploying).rejects.toBe('alice');
    expect(lines).toContain('cancelled: removing v4 and restoring v2');
    expect(await page(hello.port)).toContain('from release v2');
    expect((await driver.status(hello.spec(), 'production')).map((i) => i.release)).toEqual([2]);
  });

  it('a retried deploy clears what an interrupted attempt left and restores the release it had stopped', async () => {
    const hello = await bed.freshApp();
    await hello.deploy(2);
    const [serving] = await driver.status(hello.spec(), 'production');
    expect(serving!.release).toBe(2);
    // The interrupted attempt of v7 had stopped v2 and created its own replica before dying.
    await docker.getContainer(serving!.id).stop();
    const leftover = await docker.createContainer({
      name: `${instance}-${hello.name}-production-v7-0`,
      Image: 'busybox:latest',
      Cmd: ['sleep', '300'],
      Labels: {
        'voxoz.instance': instance,
        'voxoz.app': hello.name,
        'voxoz.env': 'production',
        'voxoz.release': '7',
        'voxoz.port': String(hello.port),
      },
    });
    const broken = brokenApp();
    const lines: string[] = [];
    const artifact = await driver.build(hello.target(7, { source: { path: broken } }), undefined, ioFor(lines));
    const err = await failure(driver.deploy(hello.target(7, { source: { path: broken } }), artifact, ioFor(lines)));
    expect(err.code).toBe('instance_exited');
    expect(lines).toContain(`removing ${instance}-${hello.name}-production-v7-0, left over from an interrupted attempt`);
    await expect(docker.getContainer(leftover.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await page(hello.port)).toContain('from release v2');
    expect((await driver.status(hello.spec(), 'production')).map((i) => [i.release, i.state])).toEqual([[2, 'running']]);
  });

  it('refuses a port that something else already serves, before touching the running release', async () => {
    const squatter = createServer((_req, res) => res.end('not hello')).listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const taken = (squatter.address() as AddressInfo).port;
    try {
      const hello = await bed.freshApp();
      await hello.deploy(2);
      const app = hello.spec();
      const lines: string[] = [];
      const artifact = await driver.build(hello.target(8), undefined, ioFor(lines));
      const err = await failure(driver.deploy({ ...hello.target(8), port: taken }, artifact, ioFor(lines)));
      expect(err).toEqual({
        code: 'port_in_use',
        message: `127.0.0.1:${taken} is already in use by something other than ${hello.name} (production); free it or give the app another port in voxoz.yml`,
      });
      expect(await page(hello.port)).toContain('from release v2');
      // Another environment of voxoz's own is named, so the user knows what to move.
      const clash = await failure(driver.deploy(hello.target(1, {}, 'staging'), artifact, ioFor(lines)));
      expect(clash.message).toBe(
        `127.0.0.1:${hello.port} is already in use by the front door of ${hello.name} (production); free it or give the app another port in voxoz.yml`,
      );
      expect(await driver.status(app, 'staging')).toEqual([]);
    } finally {
      squatter.close();
    }
  });

  it('moves an app deployed before the front door behind it: its old replica frees the port at the switch', async () => {
    const hello = await bed.freshApp();
    const artifact = await driver.build(hello.target(1), undefined, ioFor([]));
    // What the first cut made: the replica itself listening on the app's port.
    const old = await docker.createContainer({
      name: `${instance}-${hello.name}-production-v1-0`,
      Image: artifact.id,
      Env: [`PORT=${hello.port}`, 'VOXOZ_RELEASE=1'],
      Labels: {
        'voxoz.instance': instance,
        'voxoz.app': hello.name,
        'voxoz.env': 'production',
        'voxoz.release': '1',
        'voxoz.port': String(hello.port),
      },
      HostConfig: { NetworkMode: 'host', Init: true },
    });
    await old.start();
    for (let i = 0; i < 100 && !(await page(hello.port).catch(() => '')).includes('v1'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await page(hello.port)).toContain('hello from release v1');
    const lines: string[] = [];
    await hello.deploy(2, {}, ioFor(lines));
    expect(lines).toContain(
      `moving ${hello.name} (production) behind the front door: its old replicas free 127.0.0.1:${hello.port} first (a moment without answers, this once)`,
    );
    expect(await page(hello.port)).toContain('hello from release v2');
    await expect(old.inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await driver.status(hello.spec(), 'production')).map((i) => i.release)).toEqual([2]);
  });

  it('cancelling a build stops it and leaves no build container behind', async () => {
    const slow = join(scratch, 'slow-build');
    mkdirSync(slow);
    writeFileSync(join(slow, 'Dockerfile'), `FROM busybox\nRUN sleep 30 && echo ${instance}\n`);
    const controller = new AbortController();
    const lines: string[] = [];
    const hello = await bed.freshApp();
    const building = driver.build(hello.target(9, { source: { path: slow } }), undefined, ioFor(lines, controller));
    building.catch(() => undefined);
    const leftovers = async () => (await docker.listContainers({ all: true })).filter((c) => c.Command.includes(instance));
    let deadline = Date.now() + 15_000;
    while ((await leftovers()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await leftovers(), "the RUN step's container should exist while it builds").toHaveLength(1);
    const started = Date.now();
    controller.abort('alice');
    await expect(building).rejects.toBe('alice');
    expect(Date.now() - started).toBeLessThan(5_000);
    deadline = Date.now() + 15_000;
    while ((await leftovers()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await leftovers()).toEqual([]);
  });

  it("reports a Dockerfile error as the user's to fix", async () => {
    const bad = join(scratch, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'Dockerfile'), 'FROM busybox\nCOPY does-not-exist /x\n');
    const lines: string[] = [];
    const hello = await bed.freshApp();
    const err = await failure(driver.build(hello.target(5, { source: { path: bad } }), undefined, ioFor(lines)));
    expect(err.code).toBe('build_failed');
    expect(err.message).toMatch(/does-not-exist/);
    const missing = await failure(
      driver.build(hello.target(6, { source: { path: scratch }, dockerfile: 'Nope.dockerfile' }), undefined, ioFor(lines)),
    );
    expect(missing).toMatchObject({ code: 'dockerfile_missing' });
  });

  describe('from git', () => {
    const repo = join(scratch, 'repo');
    let sha = '';
    beforeAll(() => {
      cpSync(HELLO_APP_DIR, repo, { recursive: true });
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: repo,
          env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
        })
          .toString()
          .trim();
      git('init', '-q', '-b', 'main');
      git('add', '.');
      git('commit', '-q', '-m', 'hello');
      git('tag', 'v1.0');
      sha = git('rev-parse', 'HEAD');
    });

    it('clones with timestamped, logged git steps and builds the ref', async () => {
      const hello = await bed.freshApp({ source: { git: `file://${repo}`, ref: 'main' } });
      const lines: string[] = [];
      const artifact = await driver.build(hello.target(1, {}, 'staging'), 'v1.0', ioFor(lines));
      expect(artifact.commit).toBe(sha);
      const clone = lines.findIndex((l) =>
        /^>>> \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \/\S*git .*clone --no-checkout -- file:\/\/\S+ \.$/.test(l),
      );
      expect(clone, lines.join('\n')).toBeGreaterThanOrEqual(0);
      expect(lines.slice(clone)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^>>> \S+ exit status: 0$/), `checked out v1.0 at ${sha.slice(0, 12)}`]),
      );
      expect(lines.some((l) => /--end-of-options refs\/remotes\/origin\/v1\.0\^\{commit\}/.test(l))).toBe(true);
    });

    it('says when a ref does not exist', async () => {
      const hello = await bed.freshApp({ source: { git: `file://${repo}`, ref: 'main' } });
      const err = await failure(driver.build(hello.target(2, {}, 'staging'), 'no-such-branch', ioFor([])));
      expect(err).toEqual({ code: 'ref_not_found', message: `"no-such-branch" is not a branch, tag or commit in file://${repo}` });
    });

    it('says when the repository cannot be cloned', async () => {
      const hello = await bed.freshApp({ source: { git: `file://${scratch}/missing-repo`, ref: 'main' } });
      expect(await failure(driver.build(hello.target(3, {}, 'staging'), undefined, ioFor([])))).toMatchObject({ code: 'git_clone_failed' });
    });
  });
});
