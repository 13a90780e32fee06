import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { BIN, ROOT, sayTo, spawnVoxoz, type SpawnedVoxoz } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { withOpenAccess } from '../support/open-access.ts';

const dir = mkdtempSync(join(tmpdir(), 'vxw-'));
const queue = `e2e-${randomUUID().slice(0, 8)}`;
let bot: SpawnedVoxoz | undefined;
let worker: SpawnedVoxoz | undefined;
let port = 0;
let appPort = 0;

beforeAll(async () => {
  [port, appPort] = [await findFreePort(), await findFreePort()];
  writeFileSync(
    join(dir, 'voxoz.yml'),
    withOpenAccess(`worker:\n  inProcess: false\napps:\n  - name: hello\n    source: { path: ${HELLO_APP_DIR} }\n    port: ${appPort}\n`),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: inject('redisUrl'),
    DOCKER_HOST: inject('dockerHost'),
    PORT: String(port),
    VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
    VOXOZ_DATA_DIR: join(dir, 'data'),
    VOXOZ_QUEUE: queue,
  };
  bot = await spawnVoxoz('start', env, 'voxoz is running');
  worker = await spawnVoxoz('worker', { ...env, PORT: '0' }, '"msg":"worker pool ready"');
});

afterAll(async () => {
  await bot?.stop();
  await worker?.stop();
  const docker = createDockerClient(inject('dockerHost'));
  for (const c of await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${queue}`] } }))
    await docker.getContainer(c.Id).remove({ force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('workers in another process (voxoz worker)', () => {
  it('the bot runs no worker; the separate worker runs the job and the bot relays it', async () => {
    expect(bot!.stderr()).not.toContain('worker pool ready');
    const { code, out } = await sayTo(port, join(dir, 'data'), 'alice', ['deploy', 'hello']);
    expect(code, out).toBe(0);
    expect(out).toContain('hello v1 live (1/1 healthy)');
    expect(await (await fetch(`http://127.0.0.1:${appPort}/`)).text()).toContain('hello from release v1');
  });

  it('refuses to start a worker without REDIS_URL, saying why', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, VOXOZ_CONFIG: join(dir, 'voxoz.yml') };
    delete env.REDIS_URL;
    await expect(spawnVoxoz('worker', env, 'never')).rejects.toThrow(/REDIS_URL must point at the Redis that the bot process uses/);
  });

  it('`voxoz worker --list` shows the worker: what it reaches, its queues, what it runs', async () => {
    const env = { ...process.env, REDIS_URL: inject('redisUrl'), VOXOZ_QUEUE: queue, VOXOZ_DATA_DIR: join(dir, 'cli') };
    const { stdout } = await promisify(execFile)('node', [BIN, 'worker', '--list'], { cwd: ROOT, env, timeout: 30_000 });
    expect(stdout).toMatch(/^workers: 1 alive, 0 jobs running/);
    expect(stdout).toContain(`Docker engine ${inject('dockerHost')}`);
    expect(stdout).toMatch(/0\/2/);
  });

  it('a bot-only process needs no Docker engine at all: none configured, none started, commands still run on the worker', async () => {
    const [port2] = [await findFreePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: inject('redisUrl'),
      PORT: String(port2),
      VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
      VOXOZ_DATA_DIR: join(dir, 'data2'),
      VOXOZ_QUEUE: queue,
    };
    delete env.DOCKER_HOST;
    const bot2 = await spawnVoxoz('start', env, 'voxoz is running');
    try {
      expect(bot2.stderr()).not.toMatch(/private dockerd|Docker engine at/);
      const { code, out } = await sayTo(port2, join(dir, 'data2'), 'alice', ['status', 'hello']);
      expect(code, out).toBe(0);
      expect(out).toContain('hello: 1/1 instances healthy (production)');
    } finally {
      await bot2.stop();
    }
  });
});
