import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { pingRedis } from '../../src/services/redis-server.ts';
import { BIN, ROOT, sayTo, spawnVoxoz, type SpawnedVoxoz } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { withOpenAccess } from '../support/open-access.ts';
import { waitFor } from '../support/wait-for.ts';

const dir = mkdtempSync(join(tmpdir(), 'vxe-'));
const queue = `e2e-${randomUUID().slice(0, 8)}`;
let voxoz: SpawnedVoxoz;
let port = 0;
let appPort = 0;
const say = (...words: string[]) => sayTo(port, join(dir, 'data'), 'alice', words);

beforeAll(async () => {
  const repo = join(dir, 'hello.git');
  cpSync(HELLO_APP_DIR, repo, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
    });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'hello');
  [port, appPort] = [await findFreePort(), await findFreePort()];
  writeFileSync(
    join(dir, 'voxoz.yml'),
    withOpenAccess(
      `apps:\n  - name: hello\n    source:\n      git: file://${repo}\n      ref: main\n    port: ${appPort}\n    health: { timeoutSeconds: 20 }\n`,
    ),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
    VOXOZ_DATA_DIR: join(dir, 'data'),
    VOXOZ_QUEUE: queue,
    DOCKER_HOST: inject('dockerHost'),
  };
  delete env.REDIS_URL; // voxoz starts its own redis-server, as on a fresh machine
  voxoz = await spawnVoxoz('start', env, 'voxoz is running: http://127.0.0.1:');
});

afterAll(async () => {
  if (voxoz && voxoz.child.exitCode === null && voxoz.child.signalCode === null) {
    // Still running (a run filtered with -t, or the last test failed): SIGTERM first, so it stops
    // its own redis-server and caddy, and SIGKILL only if it has not exited within 30 s.
    const kill = setTimeout(() => voxoz.child.kill('SIGKILL'), 30_000);
    await voxoz.stop();
    clearTimeout(kill);
  }
  const docker = createDockerClient(inject('dockerHost'));
  for (const c of await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${queue}`] } }))
    await docker.getContainer(c.Id).remove({ force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('voxoz as a user runs it: npm start, then voxoz say', () => {
  it('deploys hello from git: queued → building → deploying → live, with the git and build log in the thread', async () => {
    const { code, out } = await say('deploy', 'hello');
    expect(code, out).toBe(0);
    const titles = out
      .split('\n')
      .filter((l) => /^(~ )?[…▶✓✗] /.test(l))
      .map((l) => l.replace(/^~ /, '').slice(2));
    expect(titles[0]).toBe('deploy hello: queued');
    // The relay may coalesce intermediate states under load (one edit per interval), so the
    // states seen must only come in order; the final parent's steps say every step ran.
    // "running" is what shows while the job runs with no step running: before its first step,
    // and between the deploy step's end and the outcome (the ledger write), so it may come after
    // "deploying" too; it only has to come after "queued" and before the outcome.
    const order = ['deploy hello: queued', 'deploy hello: building', 'deploy hello: deploying', 'hello v1 live (1/1 healthy)'];
    const RUNNING = 'deploy hello: running';
    expect(
      titles.every((t) => t === RUNNING || order.includes(t)),
      titles.join('\n'),
    ).toBe(true);
    const seen = titles.filter((t) => t !== RUNNING).map((t) => order.indexOf(t));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    const firstOutcome = titles.indexOf('hello v1 live (1/1 healthy)');
    expect(titles.slice(firstOutcome)).not.toContain(RUNNING);
    expect(titles.at(-1)).toBe('hello v1 live (1/1 healthy)');
    expect(out).toMatch(/steps: ✓ build \d+\.\ds {2}✓ deploy \d+\.\ds/);
    expect(out).toMatch(/│ >>> \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \/\S+git .*clone --no-checkout -- file:\/\/\S+ \./);
    expect(out).toMatch(/│ >>> \S+Z exit status: 0/);
    expect(out).toMatch(/│ Step 1\/\d+ : FROM busybox/);
    expect(out).toMatch(/📎 deploy-hello-\S+\.log \(\d+ bytes\)/);
    const res = await fetch(`http://127.0.0.1:${appPort}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('hello from release v1');
  });

  it('shows the app in status', async () => {
    const { code, out } = await say('status', 'hello');
    expect(code, out).toBe(0);
    expect(out).toContain('hello: 1/1 instances healthy (production)');
    // The replica's own address (a port voxoz picked); clients reach it through the front door on appPort.
    expect(out).toMatch(
      new RegExp(`${queue}-hello-production-v1-0\\s+v1\\s+running\\s+healthy\\s+\\S+\\s+0\\s+127\\.0\\.0\\.1:2\\d{4}\\n`),
    );
  });

  it('answers bad input with a specific error and a non-zero exit, touching nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['deploy hello;rm -rf /'], /"hello;rm" is not an app name/],
      [['deploy', '--upload-pack=x'], /unknown option "--upload-pack"; deploy takes --env/],
      [['deplyo', 'hello'], /unknown command "deplyo"; did you mean "deploy"\?/],
      [['deploy', 'hello', 'no-such-ref'], /"no-such-ref" is not a branch, tag or commit/],
      [['deploy', 'nothing'], /there is no app named "nothing"; known apps: hello/],
    ];
    for (const [words, message] of cases) {
      const { code, out } = await say(...words);
      expect(code, out).toBe(1);
      expect(out).toMatch(message);
    }
    const res = await fetch(`http://127.0.0.1:${appPort}/`);
    expect(await res.text()).toContain('hello from release v1');
  });

  it('a reader that stops early (voxoz say … | head) ends the output quietly, not in a crash', async () => {
    const child = spawn('node', [BIN, 'say', '--user', 'alice', 'status', 'hello'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), VOXOZ_DATA_DIR: join(dir, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // As head does after its lines: the first output read, the pipe closed; the answer comes after.
    child.stdout.once('data', () => child.stdout.destroy());
    const [code] = (await once(child, 'exit')) as [number];
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(code).toBe(0);
  });

  it('run away from its data folder, voxoz say says where it looked for the token and how to point at it', async () => {
    const { code, out } = await sayTo(port, join(dir, 'elsewhere'), 'alice', ['status']);
    expect(code, out).toBe(1);
    expect(out).toContain(`no local API token at ${join(dir, 'elsewhere', 'local-token')}`);
    expect(out).toContain('set VOXOZ_DATA_DIR to its data folder');
  });

  it('the CLI itself: a mistyped command, an option it does not take or a say with nothing to send says what was wrong before the usage (exit 2); --help is the usage on stdout', () => {
    const cli = (...args: string[]) => {
      const r = spawnSync('node', [BIN, ...args], {
        cwd: ROOT,
        env: { ...process.env, PORT: String(port), VOXOZ_DATA_DIR: join(dir, 'data') },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const typo = cli('sya', 'status');
    expect(typo.code, typo.stderr).toBe(2);
    expect(typo.stderr).toMatch(/^voxoz: unknown command "sya"; did you mean "say"\?\n\nusage:\n/);
    const nothing = cli('say', '--user', 'alice');
    expect(nothing.code, nothing.stderr).toBe(2);
    expect(nothing.stderr).toMatch(/^voxoz say: give the command to send, e.g. voxoz say "status hello"\n\nusage:\n/);
    // A typo in an option is refused before anything starts (it would have started a worker).
    const option = cli('worker', '--lst');
    expect(option.code, option.stderr).toBe(2);
    expect(option.stderr).toMatch(/^voxoz worker: unknown option "--lst"; did you mean "--list"\?\n\nusage:\n/);
    for (const flag of ['--help', '-h', 'help']) {
      const help = cli(flag);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^usage:\n {2}voxoz start {17}run voxoz/);
      expect(help.stderr).toBe('');
    }
  });

  it('Ctrl-C stops voxoz say following, not the job: it says which job goes on and how to cancel it (exit 130)', async () => {
    const liveRelease = (text: string) => Number(/^\s+\* v(\d+) +live/m.exec(text)?.[1] ?? 0);
    const before = liveRelease((await say('releases', 'hello')).out);
    expect(before).toBeGreaterThan(0);
    const child = spawn('node', [BIN, 'say', '--user', 'alice', 'deploy hello'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), VOXOZ_DATA_DIR: join(dir, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const exited = once(child, 'exit');
    await waitFor('the job to be queued', () => /^job: \S+$/m.test(out.replace(/^ +/gm, '')) || undefined, 30_000);
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code, out + err).toBe(130);
    const job = /^ +job: (\S+)$/m.exec(out)?.[1];
    expect(err.trimEnd().split('\n').at(-1)).toBe(
      `voxoz say: stopped following; job ${job} goes on in voxoz; voxoz say "cancel ${job}" stops it`,
    );
    // It did go on: a newer release than the one live before goes live.
    let releases = '';
    await waitFor(
      'the deploy to go live',
      async () => {
        releases = (await say('releases', 'hello')).out;
        return liveRelease(releases) > before || undefined;
      },
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}:\n${releases}`);
    });
  });

  it('voxoz say --help prints its usage, even away from its data folder, and sends nothing', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, out } = await sayTo(port, join(dir, 'elsewhere'), 'alice', [flag]);
      expect(code, out).toBe(0);
      expect(out).toContain('voxoz say "<command>"       send a command to a running voxoz and follow its thread');
    }
  });

  it('stops cleanly on SIGTERM, taking its own redis-server with it', async () => {
    const socket = /"socket":"([^"]+)"/.exec(voxoz.stderr())?.[1];
    expect(socket).toBe(join(dir, 'data', 'redis', 'redis.sock'));
    expect(await pingRedis(socket!)).toBe(true);
    expect(await voxoz.stop()).toBe(0);
    expect(await pingRedis(socket!)).toBe(false);
  });
});
