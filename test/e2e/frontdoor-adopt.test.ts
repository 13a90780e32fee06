import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { isRunning, readPidFile, stopProcess } from '../../src/services/process-info.ts';
import { releaseIn, startProbe } from '../support/probe.ts';
import { sayTo, spawnVoxoz, type SpawnedVoxoz } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { waitFor } from '../support/wait-for.ts';
import { withOpenAccess } from '../support/open-access.ts';

// voxoz as a user runs it (bin/voxoz.js start), with the test Redis and engine and a front door
// (caddy) of its own under its data dir; killed with SIGKILL, as a crash or the OOM killer does.
const dir = mkdtempSync(join(tmpdir(), 'vxa-'));
const data = join(dir, 'data');
const queue = `e2e-${randomUUID().slice(0, 8)}`;
const caddyPid = () => readPidFile(join(data, 'caddy', 'caddy.pid'));
const running: SpawnedVoxoz[] = [];

afterAll(async () => {
  for (const v of running) if (v.child.exitCode === null && v.child.signalCode === null) await v.stop('SIGKILL');
  const pid = caddyPid();
  if (pid) await stopProcess(pid, 'caddy', 5000);
  const docker = createDockerClient(inject('dockerHost'));
  for (const c of await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${queue}`] } }))
    await docker.getContainer(c.Id).remove({ force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('the front door outlives voxoz', () => {
  it('keeps serving through a SIGKILL of voxoz and its restart, which adopts it and deploys through it; a stop stops it', async () => {
    const [port, appPort] = [await findFreePort(), await findFreePort()];
    writeFileSync(
      join(dir, 'voxoz.yml'),
      withOpenAccess(
        `apps:\n  - name: hello\n    source: { path: ${HELLO_APP_DIR} }\n    port: ${appPort}\n    drainSeconds: 1\n    health: { timeoutSeconds: 20 }\n`,
      ),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: inject('redisUrl'),
      DOCKER_HOST: inject('dockerHost'),
      PORT: String(port),
      VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
      VOXOZ_DATA_DIR: data,
      VOXOZ_QUEUE: queue,
    };
    const start = async () => {
      const v = await spawnVoxoz('start', env, 'voxoz is running: http://127.0.0.1:', { detached: true });
      running.push(v);
      return v;
    };
    const first = await start();
    expect(first.stderr()).toContain('started the front door (caddy)');
    const deployed = await sayTo(port, data, 'alice', ['deploy', 'hello']);
    expect(deployed.out).toContain('hello v1 live (1/1 healthy)');
    // The thread names the stable address, not a replica's.
    expect(deployed.out).toContain(`address: 127.0.0.1:${appPort}`);
    const pid = caddyPid();
    const probe = startProbe(`127.0.0.1:${appPort}`, { perSecond: 50, maxMs: 60_000 });
    await first.stop('SIGKILL');
    // voxoz is gone; its front door is not, and still routes to v1.
    const seenWhileDown = await waitFor('answers while voxoz is down', () => probe.answers.length >= 25 && probe.answers.length);
    expect(seenWhileDown).toBeGreaterThanOrEqual(25);
    expect(isRunning(pid, 'caddy')).toBe(true);
    const second = await start();
    expect(second.stderr()).toContain('adopted the front door (caddy) an earlier voxoz left running');
    expect(caddyPid()).toBe(pid);
    const again = await sayTo(port, data, 'alice', ['deploy', 'hello']);
    expect(again.out).toContain('hello v2 live (1/1 healthy)');
    const answers = await probe.stop();
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(answers.map(releaseIn)[0]).toBe('1');
    expect(answers.map(releaseIn).at(-1)).toBe('2');
    // A deliberate stop takes the front door down with it (dockerd and redis are not voxoz's here).
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(isRunning(pid, 'caddy')).toBe(false);
  });
});
