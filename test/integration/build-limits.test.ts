import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { isUserError } from '../../src/core/user-error.ts';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { createDockerDriver } from '../../src/drivers/docker/docker-driver.ts';
import type { DriverIO } from '../../src/drivers/driver.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { writeTree } from '../support/write-tree.ts';

const docker = createDockerClient(inject('dockerHost'));
const instance = `t${randomUUID().slice(0, 8)}`;
const scratch = mkdtempSync(join(tmpdir(), 'vxbl-'));
const workDir = join(scratch, 'builds');
const driver = createDockerDriver({ docker, instance, workDir, secretValues: () => ({}) });
const io = (lines: string[]): DriverIO => ({
  log: (l) => lines.push(l),
  step: () => undefined,
  signal: new AbortController().signal,
  now: () => new Date(),
});
let spine: Spine | undefined;

afterEach(async () => {
  await spine?.close();
  spine = undefined;
});
afterAll(async () => {
  for (const i of await docker.listImages({ filters: { label: [`voxoz.instance=${instance}`] } }))
    await docker
      .getImage(i.Id)
      .remove({ force: true })
      .catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

const appOf = (raw: Record<string, unknown>) => validateConfig({ apps: [{ port: 18_600, ...raw }] }, join(scratch, 'voxoz.yml')).apps[0]!;

async function userError(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isUserError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('a build that prints far more than the log limit', () => {
  it('ends with one truncation line and the tail; the stream, Redis memory and the upload stay bounded', async () => {
    const dir = join(scratch, 'noisy');
    // 20,000 lines of ~75 bytes (about 1.5 MB), against a limit of 64 KiB / 1,000 lines.
    writeTree(dir, {
      Dockerfile: `FROM busybox\nRUN i=0; while [ $i -lt 20000 ]; do echo "noisy line $i, padded so the whole log is well past the cap ......"; i=$((i+1)); done; echo last-line-${instance}; exit 3\n`,
    });
    spine = await startSpine(
      { docker: driver },
      {
        apps: [{ name: 'noisy', source: { path: dir }, port: 18_600 }],
        worker: { attempts: 1, logLimit: { bytes: 65_536, lines: 1000, tailLines: 50 } },
      },
    );
    await spine.startWorkers();
    spine.startRelay();
    const { thread, job } = await spine.say('alice', 'deploy noisy');
    const ended = await spine.waitForEnd(thread, 120_000);
    expect(ended.outcome).toBe('failed');
    const file = ended.messages.find((m) => m.kind === 'file')!.file!;
    const lines = file.content.trimEnd().split('\n');
    const marks = lines.filter((l) => l.includes('log truncated after'));
    expect(marks).toHaveLength(1);
    expect(marks[0]).toMatch(
      /Z … log truncated after 0\.\d\d MB \/ \d+ lines \(worker\.logLimit: 65536 bytes, 1000 lines\); \d+ lines dropped, the last 50 follow …$/,
    );
    const tail = lines.slice(lines.indexOf(marks[0]!) + 1);
    expect(tail).toHaveLength(50);
    expect(tail.some((l) => l.endsWith(`Z last-line-${instance}`))).toBe(true);
    expect(tail.some((l) => l.endsWith('noisy line 19999, padded so the whole log is well past the cap ......'))).toBe(true);
    expect(lines.length).toBeLessThanOrEqual(1000 + 1 + 50);
    expect(file.bytes).toBeLessThan(65_536 + 1000 * 25 + 50 * 300);
    expect(
      ended.messages
        .filter((m) => m.kind === 'log')
        .map((m) => m.text)
        .join('\n'),
    ).toContain('log truncated after');
    const key = spine.keys.events(job!);
    expect(await spine.redis.xlen(key)).toBeLessThanOrEqual(1000 + 1 + 50 + 20);
    expect(Number(await spine.redis.call('MEMORY', 'USAGE', key))).toBeLessThan(512 * 1024);
  });
});

describe('build and clone time limits', () => {
  it('stops a build past build.timeoutSeconds with a UserError naming the limit, leaving no container and no half image', async () => {
    const dir = join(scratch, 'slow');
    writeTree(dir, { Dockerfile: `FROM busybox\nRUN echo ${instance} > /first-step\nRUN sleep 60 && echo ${instance}\n` });
    // 8 s leaves step 2 room to commit on a busy machine; step 3 would take 60.
    const app = appOf({ name: 'slow', source: { path: dir }, build: { timeoutSeconds: 8 } });
    const lines: string[] = [];
    const started = Date.now();
    const err = await userError(driver.build({ app, env: 'production', release: 1, port: 18_600 }, undefined, io(lines)));
    expect(err).toEqual({
      code: 'build_timeout',
      message:
        'the image build of slow ran longer than its limit of 8 s (apps[].build.timeoutSeconds) and was stopped; nothing it made was kept. Make the build faster or raise the limit in voxoz.yml',
    });
    expect(Date.now() - started).toBeLessThan(25_000);
    // The image step 2 committed (` ---> <id>` after "Step 2/…") is removed; the base image is not.
    const step2 = lines.findIndex((l) => l.startsWith('Step 2/'));
    const committed = lines
      .slice(step2)
      .map((l) => /^ ---> ([0-9a-f]{12})$/.exec(l)?.[1])
      .find(Boolean);
    expect(committed, lines.join('\n')).toBeDefined();
    await expect(docker.getImage(committed!).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getImage(`${instance}-slow:production-v1`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await docker.getImage('busybox:latest').inspect();
    await waitUntil(
      'the build container to be gone',
      async () => (await docker.listContainers({ all: true })).every((c) => !c.Command.includes(instance)),
      15_000,
      250,
    );
  });

  it('stops a clone past build.cloneTimeoutSeconds, names the limit, shows no credentials and leaves no checkout or connection', async () => {
    const sockets = new Set<Socket>();
    // A git host that accepts connections and never answers.
    const server = createServer((socket) => {
      sockets.add(socket);
      socket
        .on('close', () => sockets.delete(socket))
        .on('error', () => undefined)
        .resume();
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      const app = appOf({
        name: 'hang',
        source: { git: `http://deploy:tok3n-in-url-99@127.0.0.1:${port}/acme/app.git` },
        build: { cloneTimeoutSeconds: 1 },
      });
      const lines: string[] = [];
      const started = Date.now();
      const err = await userError(driver.build({ app, env: 'production', release: 1, port: 18_600 }, undefined, io(lines)));
      expect(err).toEqual({
        code: 'clone_timeout',
        message: `git did not finish cloning http://127.0.0.1:${port}/acme/app.git within 1 s (apps[].build.cloneTimeoutSeconds); check that the server answers, or raise the limit in voxoz.yml`,
      });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(lines.join('\n')).not.toContain('tok3n-in-url-99');
      expect(readdirSync(workDir).filter((d) => d.startsWith('hang-'))).toEqual([]);
      await waitUntil('git to hang up', async () => sockets.size === 0, 10_000, 100);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
