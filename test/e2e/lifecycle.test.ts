import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning, readPidFile, stopProcess } from '../../src/services/process-info.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { mountsUnder, unmountUnder } from '../../src/services/unmount-under.ts';
import { sayTo, spawnVoxoz, type SpawnedVoxoz } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// voxoz as `npm start` runs it on a fresh machine: no REDIS_URL, no DOCKER_HOST, so it starts
// (or adopts) its own redis-server and private dockerd under its data dir. Real processes,
// real signals to the whole process group, as a terminal's Ctrl-C and systemd send them.
const dir = mkdtempSync(join(tmpdir(), 'vxl-'));
const data = join(dir, 'data');
let port = 0;
let appPort = 0;
let env: NodeJS.ProcessEnv = {};
const running: SpawnedVoxoz[] = [];

const pids = () => ({ redis: readPidFile(join(data, 'redis', 'redis.pid')), dockerd: readPidFile(join(data, 'docker', 'docker.pid')) });
/** Every process whose session is one of the services' (containerd and shims included). */
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
const redisServers = () =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return (
          readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('redis-server') && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(data)
        );
      } catch {
        return false;
      }
    });
const start = async () => {
  const voxoz = await spawnVoxoz('start', env, 'voxoz is running: http://127.0.0.1:', { detached: true });
  running.push(voxoz);
  return voxoz;
};
const appAnswers = () =>
  fetch(`http://127.0.0.1:${appPort}/`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.text(),
    () => '',
  );

beforeAll(async () => {
  [port, appPort] = [await findFreePort(), await findFreePort()];
  writeFileSync(
    join(dir, 'voxoz.yml'),
    `apps:\n  - name: hello\n    source: { path: ${HELLO_APP_DIR} }\n    port: ${appPort}\n    health: { timeoutSeconds: 20 }\n`,
  );
  env = { ...process.env, PORT: String(port), VOXOZ_CONFIG: join(dir, 'voxoz.yml'), VOXOZ_DATA_DIR: data, VOXOZ_QUEUE: 'lifecycle' };
  delete env.REDIS_URL;
  delete env.DOCKER_HOST;
});

afterAll(async () => {
  for (const voxoz of running) if (voxoz.child.exitCode === null && voxoz.child.signalCode === null) await voxoz.stop('SIGKILL');
  const { redis, dockerd } = pids();
  if (redis) await stopProcess(redis, 'redis-server', 5000);
  if (dockerd) await stopProcess(dockerd, 'dockerd', 20_000);
  unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true });
});

describe('what voxoz starts, how it stops, and what survives a crash', () => {
  it('a group SIGINT (Ctrl-C) with no job running: exits within 5 s, every service gone, nothing mounted', async () => {
    const voxoz = await start();
    const { redis, dockerd } = pids();
    expect(isRunning(redis, 'redis-server') && isRunning(dockerd, 'dockerd')).toBe(true);
    const sessions = [redis!, dockerd!];
    expect(sessionMembers(sessions).length).toBeGreaterThanOrEqual(2);
    const t0 = Date.now();
    expect(await voxoz.stop('SIGINT')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(isRunning(redis, 'redis-server')).toBe(false);
    expect(isRunning(dockerd, 'dockerd')).toBe(false);
    expect(sessionMembers(sessions)).toEqual([]);
    expect(mountsUnder(data)).toEqual([]);
  });

  it('a group SIGTERM (systemd) while an app runs: exits within 5 s and unmounts; the app comes back with the next start', async () => {
    let voxoz = await start();
    const deployed = await sayTo(port, data, 'alice', ['deploy', 'hello']);
    expect(deployed.code, deployed.out).toBe(0);
    const t0 = Date.now();
    expect(await voxoz.stop('SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(mountsUnder(data)).toEqual([]);
    expect(await appAnswers()).toBe('');
    voxoz = await start();
    await expect.poll(appAnswers, { timeout: 20_000, interval: 200 }).toContain('hello from release v1');
    expect(await voxoz.stop('SIGTERM')).toBe(0);
  });

  it('after SIGKILL the services keep running and the app keeps serving; the next start adopts them, one redis-server per data dir', async () => {
    let voxoz = await start();
    await expect.poll(appAnswers, { timeout: 20_000, interval: 200 }).toContain('hello from release v1');
    const before = pids();
    await voxoz.stop('SIGKILL');
    expect(isRunning(before.redis, 'redis-server') && isRunning(before.dockerd, 'dockerd')).toBe(true);
    // The data plane does not die with the control plane: probe the app all through the restart.
    let failures = 0;
    let probes = 0;
    let probing = true;
    const prober = (async () => {
      while (probing) {
        probes += 1;
        if (!(await appAnswers()).includes('hello from release')) failures += 1;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    voxoz = await start();
    probing = false;
    await prober;
    expect(probes).toBeGreaterThan(3);
    expect(failures).toBe(0);
    expect(voxoz.stderr()).toContain('adopted the redis-server an earlier voxoz left running');
    expect(voxoz.stderr()).toContain('adopted the private dockerd an earlier voxoz left running');
    expect(pids()).toEqual(before);
    expect(redisServers()).toHaveLength(1);
    const status = await sayTo(port, data, 'alice', ['status', 'hello']);
    expect(status.out).toMatch(/lifecycle-hello-production-v1-0\s+v1\s+running\s+healthy/);
  });

  it('a second voxoz on the same data dir is refused and starts nothing', async () => {
    const second = spawnVoxoz('start', { ...env, PORT: String(await findFreePort()) }, 'voxoz is running');
    await expect(second).rejects.toThrow(
      /another voxoz \(pid \d+\) owns the services in .*; stop it first, or give this one its own VOXOZ_DATA_DIR/,
    );
    expect(redisServers()).toHaveLength(1);
  });

  it('an engine restart keeps the containers (live-restore); then a clean stop leaves a valid AOF and a removable folder', async () => {
    const { dockerd } = pids();
    // The engine goes away and comes back under a new voxoz: the app serves throughout.
    await running.at(-1)!.stop('SIGKILL');
    await stopProcess(dockerd!, 'dockerd', 20_000);
    expect(await appAnswers()).toContain('hello from release v1');
    const voxoz = await start();
    expect(pids().dockerd).not.toBe(dockerd);
    expect(await appAnswers()).toContain('hello from release v1');
    expect(await voxoz.stop('SIGINT')).toBe(0);
    const manifest = join(data, 'redis', 'appendonlydir', 'appendonly.aof.manifest');
    expect(execFileSync('redis-check-aof', [manifest], { encoding: 'utf8' })).toMatch(/is valid/);
    expect(mountsUnder(dir)).toEqual([]);
    rmSync(data, { recursive: true });
  });
});
