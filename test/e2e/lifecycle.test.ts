import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDockerd, liveShims } from '../../src/services/dockerd.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { isRunning, readPidFile, stopProcess, waitForExit } from '../../src/services/process-info.ts';
import { mountsUnder, unmountUnder } from '../../src/services/unmount-under.ts';
import { BIN, ROOT, sayTo, spawnVoxoz, type SpawnedVoxoz } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { SLOW_APP_DIR } from '../support/two-apps-yaml.ts';
import { withOpenAccess } from '../support/open-access.ts';

// voxoz as `npm start` runs it on a fresh machine: no REDIS_URL, no DOCKER_HOST, so it starts
// (or adopts) its own redis-server and private dockerd under its data dir. Real processes, real
// signals to the whole process group, as a terminal's Ctrl-C and systemd send them. Each test
// has a data dir of its own and sets up what it needs.

interface Install {
  dir: string;
  data: string;
  port: number;
  appPort: number;
  env: NodeJS.ProcessEnv;
  running: SpawnedVoxoz[];
}
const installs: Install[] = [];

async function install(): Promise<Install> {
  const dir = mkdtempSync(join(tmpdir(), 'vxl-'));
  const [port, appPort, slowPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  writeFileSync(
    join(dir, 'voxoz.yml'),
    withOpenAccess(
      `apps:\n  - name: hello\n    source: { path: ${HELLO_APP_DIR} }\n    port: ${appPort}\n    health: { timeoutSeconds: 20 }\n` +
        `  - name: slow\n    source: { path: ${SLOW_APP_DIR} }\n    port: ${slowPort}\n    health: { timeoutSeconds: 6 }\n`,
    ),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
    VOXOZ_DATA_DIR: join(dir, 'data'),
    VOXOZ_QUEUE: 'lifecycle',
  };
  delete env.REDIS_URL;
  delete env.DOCKER_HOST;
  const made = { dir, data: join(dir, 'data'), port, appPort, env, running: [] };
  installs.push(made);
  return made;
}

const pids = (i: Install) => ({
  redis: readPidFile(join(i.data, 'redis', 'redis.pid')),
  dockerd: readPidFile(join(i.data, 'docker', 'docker.pid')),
});
const start = async (i: Install) => {
  const voxoz = await spawnVoxoz('start', i.env, 'voxoz is running: http://127.0.0.1:', { detached: true });
  i.running.push(voxoz);
  return voxoz;
};
const say = (i: Install, ...words: string[]) => sayTo(i.port, i.data, 'alice', words);
/** `docker …` on the install's private engine; REPLICA stands for hello's v1 replica. */
const onReplica = (i: Install, ...args: string[]) =>
  execFileSync(
    'docker',
    [
      '-H',
      `unix://${join(i.data, 'docker', 'docker.sock')}`,
      ...args.map((a) => (a === 'REPLICA' ? 'lifecycle-hello-production-v1-0' : a)),
    ],
    { encoding: 'utf8' },
  ).trim();
/** When the engine says the replica started: the same after an engine restart means the container ran on through it. */
const replicaStarted = (i: Install) => onReplica(i, 'inspect', '-f', '{{.State.StartedAt}} {{.State.Pid}}', 'REPLICA');
const appAnswers = (i: Install) =>
  fetch(`http://127.0.0.1:${i.appPort}/`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.text(),
    () => '',
  );

/** Every live process whose session is one of `sessions` (containerd and shims included). */
function sessionMembers(sessions: number[]): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return fields[0] !== 'Z' && sessions.includes(Number(fields[3]))
          ? [`${p} ${stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 1)}`]
          : [];
      } catch {
        return [];
      }
    });
}
/** redis-server processes serving this data dir. */
const redisServers = (i: Install) =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.startsWith('redis-server') && cmd.includes(i.data);
      } catch {
        return false;
      }
    });

afterEach(async () => {
  for (const i of installs.splice(0)) {
    for (const voxoz of i.running) if (voxoz.child.exitCode === null && voxoz.child.signalCode === null) await voxoz.stop('SIGKILL');
    const { redis, dockerd } = pids(i);
    if (redis) await stopProcess(redis, 'redis-server', 5000);
    // The deliberate stop (live-restore off first), as voxoz's own: a plain SIGTERM would leave the
    // test's containers and their shims running after it.
    // An engine killed by a test and not started again leaves its containers' shims: start it to stop them.
    if (isRunning(dockerd, 'dockerd') || liveShims(join(i.data, 'docker')).length > 0)
      await (await ensureDockerd(join(i.data, 'docker'))).stop();
    // The front door (caddy) outlives a SIGKILLed voxoz as the other services do.
    const caddy = readPidFile(join(i.data, 'caddy', 'caddy.pid'));
    if (caddy) await stopProcess(caddy, 'caddy', 5000);
    unmountUnder(i.dir);
    rmSync(i.dir, { recursive: true, force: true });
  }
});

describe('what voxoz starts, how it stops, and what survives a crash', () => {
  it('a group SIGINT (Ctrl-C) with no job running: exits within 5 s, every service gone, nothing mounted', async () => {
    const i = await install();
    const voxoz = await start(i);
    const { redis, dockerd } = pids(i);
    expect(isRunning(redis, 'redis-server') && isRunning(dockerd, 'dockerd')).toBe(true);
    const sessions = [redis!, dockerd!];
    expect(sessionMembers(sessions).length).toBeGreaterThanOrEqual(2);
    const t0 = Date.now();
    expect(await voxoz.stop('SIGINT')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(isRunning(redis, 'redis-server')).toBe(false);
    expect(isRunning(dockerd, 'dockerd')).toBe(false);
    expect(sessionMembers(sessions)).toEqual([]);
    expect(mountsUnder(i.data)).toEqual([]);
  });

  it('a group SIGTERM (systemd) while an app runs: exits within 5 s and unmounts; the app comes back with the next start', async () => {
    const i = await install();
    let voxoz = await start(i);
    const deployed = await say(i, 'deploy', 'hello');
    expect(deployed.code, deployed.out).toBe(0);
    const t0 = Date.now();
    expect(await voxoz.stop('SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(mountsUnder(i.data)).toEqual([]);
    expect(await appAnswers(i)).toBe('');
    voxoz = await start(i);
    await expect.poll(() => appAnswers(i), { timeout: 20_000, interval: 200 }).toContain('hello from release v1');
    expect(await voxoz.stop('SIGTERM')).toBe(0);
  });

  it('after SIGKILL the services keep running and the app keeps serving; the next start adopts them, one redis-server per data dir', async () => {
    const i = await install();
    let voxoz = await start(i);
    const deployed = await say(i, 'deploy', 'hello');
    expect(deployed.code, deployed.out).toBe(0);
    const before = pids(i);
    await voxoz.stop('SIGKILL');
    expect(isRunning(before.redis, 'redis-server') && isRunning(before.dockerd, 'dockerd')).toBe(true);
    // The data plane does not die with the control plane: probe the app all through the restart.
    let [failures, probes, probing] = [0, 0, true];
    const prober = (async () => {
      while (probing) {
        probes += 1;
        if (!(await appAnswers(i)).includes('hello from release')) failures += 1;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    voxoz = await start(i);
    probing = false;
    await prober;
    expect(probes).toBeGreaterThan(3);
    expect(failures).toBe(0);
    expect(voxoz.stderr()).toContain('adopted the redis-server an earlier voxoz left running');
    expect(voxoz.stderr()).toContain('adopted the private dockerd an earlier voxoz left running');
    expect(pids(i)).toEqual(before);
    expect(redisServers(i)).toHaveLength(1);
    expect((await say(i, 'status', 'hello')).out).toMatch(/lifecycle-hello-production-v1-0\s+v1\s+running\s+healthy/);
  });

  it('its own redis-server, caddy or dockerd killed under it is started again: nothing acknowledged is lost, the app is served again', async () => {
    const i = await install();
    const voxoz = await start(i);
    const deployed = await say(i, 'deploy', 'hello');
    expect(deployed.code, deployed.out).toBe(0);
    const { redis } = pids(i);
    process.kill(redis!, 'SIGKILL');
    await expect
      .poll(() => pids(i).redis !== redis && isRunning(pids(i).redis, 'redis-server'), { timeout: 15_000, interval: 200 })
      .toBe(true);
    // The release it acknowledged before the kill is still there (the append-only file), and commands work again.
    await expect.poll(async () => (await say(i, 'releases', 'hello')).out, { timeout: 20_000, interval: 500 }).toMatch(/\* v1\s+live/);
    expect(voxoz.stderr()).toContain(`voxoz's own redis-server (pid ${redis}) is gone; starting it again`);
    const caddyPid = join(i.data, 'caddy', 'caddy.pid');
    const caddy = readPidFile(caddyPid);
    process.kill(caddy!, 'SIGKILL');
    // Started again empty, then pointed at the live release again at once (not at the next minute's round).
    await expect
      .poll(() => readPidFile(caddyPid) !== caddy && isRunning(readPidFile(caddyPid), 'caddy'), { timeout: 15_000, interval: 100 })
      .toBe(true);
    await expect.poll(() => appAnswers(i), { timeout: 15_000, interval: 200 }).toContain('hello from release v1');
    expect(voxoz.stderr()).toContain(`voxoz's own caddy (pid ${caddy}) is gone; starting it again`);
    // The engine: started again over the container that ran on (live-restore), which it takes over.
    const replica = replicaStarted(i);
    const { dockerd } = pids(i);
    process.kill(dockerd!, 'SIGKILL');
    await expect
      .poll(() => pids(i).dockerd !== dockerd && isRunning(pids(i).dockerd, 'dockerd'), { timeout: 30_000, interval: 200 })
      .toBe(true);
    await expect
      .poll(async () => (await say(i, 'status', 'hello')).out, { timeout: 30_000, interval: 500 })
      .toMatch(/lifecycle-hello-production-v1-0\s+v1\s+running\s+healthy/);
    expect(replicaStarted(i)).toBe(replica);
    expect(await appAnswers(i)).toContain('hello from release v1');
    expect(voxoz.stderr()).toContain(`voxoz's own dockerd (pid ${dockerd}) is gone; starting it again`);
    expect(redisServers(i)).toHaveLength(1);
    expect(await voxoz.stop('SIGTERM')).toBe(0);
    expect(redisServers(i)).toEqual([]);
    expect(isRunning(readPidFile(caddyPid), 'caddy')).toBe(false);
    expect(isRunning(pids(i).dockerd, 'dockerd')).toBe(false);
  });

  it('a second voxoz on the same data dir is refused and starts nothing', async () => {
    const i = await install();
    await start(i);
    const second = spawnVoxoz('start', { ...i.env, PORT: String(await findFreePort()) }, 'voxoz is running');
    await expect(second).rejects.toThrow(
      /another voxoz \(pid \d+\) owns the services in .*; stop it first, or give this one its own VOXOZ_DATA_DIR/,
    );
    expect(redisServers(i)).toHaveLength(1);
  });

  it('an engine killed and started again keeps the containers running (live-restore); then a clean stop leaves a valid AOF and a removable folder', async () => {
    const i = await install();
    const first = await start(i);
    const deployed = await say(i, 'deploy', 'hello');
    expect(deployed.code, deployed.out).toBe(0);
    const { dockerd } = pids(i);
    const replica = replicaStarted(i);
    // The engine is killed (the OOM killer, say) and comes back under a new voxoz: the app serves throughout.
    await first.stop('SIGKILL');
    process.kill(dockerd!, 'SIGKILL');
    await waitForExit(dockerd!, 'dockerd', 10_000);
    expect(await appAnswers(i)).toContain('hello from release v1');
    const voxoz = await start(i);
    expect(pids(i).dockerd).not.toBe(dockerd);
    expect(await appAnswers(i)).toContain('hello from release v1');
    // The same container process, not one its restart policy started again, and the engine can
    // still run a process in it (its health check does): its files were not unmounted under it.
    expect(replicaStarted(i)).toBe(replica);
    expect(onReplica(i, 'exec', 'REPLICA', '/bin/sh', '-c', 'echo inside')).toBe('inside');
    expect(await voxoz.stop('SIGINT')).toBe(0);
    const manifest = join(i.data, 'redis', 'appendonlydir', 'appendonly.aof.manifest');
    expect(execFileSync('redis-check-aof', [manifest], { encoding: 'utf8' })).toMatch(/is valid/);
    expect(mountsUnder(i.dir)).toEqual([]);
    rmSync(i.data, { recursive: true });
  });

  it('a stop during a deploy lets it end first (here: its health check fails and it rolls back), and the thread says so', async () => {
    const i = await install();
    const voxoz = await start(i);
    const deploy = sayLive(i, 'deploy', 'slow');
    await expect.poll(deploy.out, { timeout: 60_000, interval: 100 }).toMatch(/waiting up to 6s/);
    const stopped = voxoz.stop('SIGTERM');
    const { code, out } = await deploy.done;
    expect(code).toBe(1);
    expect(out).toMatch(/did not answer 2xx on .* within 6s/);
    expect(await stopped).toBe(0);
    expect(voxoz.stderr()).not.toContain('cancelling running jobs');
  });

  it('a second stop signal cancels the running deploy: it rolls back and says who cancelled it', async () => {
    const i = await install();
    const voxoz = await start(i);
    const deploy = sayLive(i, 'deploy', 'slow');
    await expect.poll(deploy.out, { timeout: 60_000, interval: 100 }).toMatch(/waiting up to 6s/);
    process.kill(-voxoz.child.pid!, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1500)); // past the one-signal debounce
    const stopped = voxoz.stop('SIGTERM');
    const { code, out } = await deploy.done;
    expect(code).toBe(1);
    expect(out).toContain('deploy slow: cancelled by voxoz stopping');
    expect(await stopped).toBe(0);
  });
});

/** `voxoz say` whose output can be read while it runs. */
function sayLive(i: Install, ...words: string[]): { out: () => string; done: Promise<{ code: number | null; out: string }> } {
  const child = spawn('node', [BIN, 'say', '--user', 'alice', ...words], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(i.port), VOXOZ_DATA_DIR: i.data },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return { out: () => out, done: new Promise((resolve) => child.once('close', (code) => resolve({ code, out }))) };
}
