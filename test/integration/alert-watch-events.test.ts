import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDockerClient, dockerOptionsFromHost } from '../../src/drivers/docker/docker-client.ts';
import { ensureBusyboxImage } from '../../src/drivers/docker/ensure-busybox-image.ts';
import { watchDockerEvents } from '../../src/drivers/docker/watch-events.ts';
import type { EngineEvent } from '../../src/drivers/engine-events.ts';
import { waitFor } from '../support/wait-for.ts';

// The watcher against the private dockerd through a unix-socket relay the test can cut: the
// event stream ends mid-way, the watcher reconnects from its last event's time, and an exit
// that happened meanwhile still arrives.
const engineSocket = String(dockerOptionsFromHost(inject('dockerHost')).socketPath);
const docker = createDockerClient(inject('dockerHost'));
const instance = `w${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'vxw-'));
afterAll(async () => {
  const left = await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${instance}`] } });
  for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('watchDockerEvents', () => {
  it("turns a replica's exits into neutral events for its app and environment, and reconnects when the stream ends; a stop through the engine is told apart from an exit", async () => {
    await ensureBusyboxImage(docker);
    const open = new Set<Socket>();
    let connections = 0;
    const relay = createServer((client) => {
      connections += 1;
      const engine = connect(engineSocket);
      for (const s of [client, engine]) {
        open.add(s);
        s.on('close', () => open.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(engine).pipe(client);
    });
    const path = join(dir, 'engine.sock');
    await new Promise<void>((r) => relay.listen(path, r));
    const events: EngineEvent[] = [];
    const watcher = watchDockerEvents(createDockerClient(`unix://${path}`), instance, (e) => events.push(e), {
      retryMs: 200,
      // From before the test: an exit the stream's first request came too late for is read back, not missed.
      since: new Date(Date.now() - 60_000),
    });
    try {
      const c = await docker.createContainer({
        name: `${instance}-web-production-v1-0`,
        Image: 'busybox:latest',
        Cmd: ['sh', '-c', 'exit 3'],
        Labels: { 'voxoz.instance': instance, 'voxoz.app': 'web', 'voxoz.env': 'production', 'voxoz.release': '1' },
        HostConfig: { NetworkMode: 'host' },
      });
      await waitFor('the event stream to connect', () => connections > 0);
      const dies = () => new Set(events.filter((e) => e.type === 'died').map((e) => e.id)).size;
      await c.start();
      await c.wait();
      await waitFor('the first exit', () => dies() === 1);
      expect(events.find((e) => e.type === 'died')).toMatchObject({
        type: 'died',
        exitCode: 3,
        app: 'web',
        env: 'production',
        replica: `${instance}-web-production-v1-0`,
      });
      expect(new Set(events.filter((e) => e.type === 'started').map((e) => e.id)).size).toBe(1);

      const before = connections;
      for (const s of open) s.destroy();
      await c.start();
      await c.wait();
      await waitFor('the exit while the stream was cut', () => dies() === 2);
      expect(connections).toBeGreaterThan(before);

      // A replica stopped through the engine (a deploy retiring it): its exit says it was asked for.
      const retired = await docker.createContainer({
        name: `${instance}-web-production-v1-1`,
        Image: 'busybox:latest',
        Cmd: ['sleep', '600'],
        Labels: { 'voxoz.instance': instance, 'voxoz.app': 'web', 'voxoz.env': 'production', 'voxoz.release': '1' },
        HostConfig: { NetworkMode: 'host' },
      });
      await retired.start();
      await retired.stop({ t: 1 });
      const stopped = await waitFor("the stopped replica's exit", () =>
        events.find((e) => e.type === 'died' && e.replica === `${instance}-web-production-v1-1`),
      );
      expect(stopped).toMatchObject({ type: 'died', requested: true });
      expect(events.filter((e) => e.type === 'died' && e.replica.endsWith('-0')).every((e) => e.type === 'died' && !e.requested)).toBe(
        true,
      );
    } finally {
      await watcher.close();
      relay.close();
    }
  });
});
