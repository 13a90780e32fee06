import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { demuxLogs } from '../../src/drivers/docker/container-logs.ts';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { createDockerDriver } from '../../src/drivers/docker/docker-driver.ts';
import type { DriverIO } from '../../src/drivers/driver.ts';
import { writeTree } from '../support/write-tree.ts';

const docker = createDockerClient(inject('dockerHost'));
const instance = `t${randomUUID().slice(0, 8)}`;
const scratch = mkdtempSync(join(tmpdir(), 'vxbc-'));
const io = (lines: string[]): DriverIO => ({
  log: (l) => lines.push(l),
  step: () => undefined,
  signal: new AbortController().signal,
  now: () => new Date(),
});

afterAll(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`voxoz-test=${instance}`] } }))
    await docker.getContainer(c.Id).remove({ force: true });
  for (const i of await docker.listImages({ filters: { label: [`voxoz.instance=${instance}`] } }))
    await docker
      .getImage(i.Id)
      .remove({ force: true })
      .catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

/** Every file under /app in `image`, as `find` inside a container of it lists them. */
async function filesIn(image: string): Promise<string[]> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['/bin/busybox', 'find', '/app', '-type', 'f'],
    Labels: { 'voxoz-test': instance },
  });
  await container.start();
  await container.wait();
  const out = demuxLogs(Buffer.from((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer));
  await container.remove({ force: true });
  return out
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^\/app\//, ''))
    .sort();
}

describe('the build context applies .dockerignore', () => {
  it('leaves .env and the other ignored files out of the image and keeps the rest', async () => {
    const dir = join(scratch, 'app');
    writeTree(dir, {
      Dockerfile: 'FROM busybox\nCOPY . /app/\n',
      '.dockerignore': '# never ship local secrets\n.env\n**/*.log\n/build\ndocs/*\n!docs/keep.md\nDockerfile\n',
      '.env': 'DATABASE_PASSWORD=hunter2-but-longer\n',
      'app.txt': 'app',
      'src/main.txt': 'main',
      'src/debug.log': 'log',
      'debug.log': 'log',
      'build/out.bin': 'bin',
      'src/build/kept.txt': 'kept',
      'docs/a.md': 'a',
      'docs/keep.md': 'keep',
    });
    const driver = createDockerDriver({ docker, instance, workDir: join(scratch, 'builds'), secretValues: () => ({}) });
    const app = validateConfig({ apps: [{ name: 'ctx', source: { path: dir }, port: 18_000 }] }, join(scratch, 'voxoz.yml')).apps[0]!;
    const lines: string[] = [];
    const artifact = await driver.build({ app, env: 'production', release: 1, port: 18_000 }, undefined, io(lines));
    // The Dockerfile was sent (the build ran) although .dockerignore lists it; the engine keeps it out of COPY.
    expect(await filesIn(artifact.id)).toEqual(['.dockerignore', 'app.txt', 'docs/keep.md', 'src/build/kept.txt', 'src/main.txt']);
  });
});
