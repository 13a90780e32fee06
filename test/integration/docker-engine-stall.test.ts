import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { createDockerDriver } from '../../src/drivers/docker/docker-driver.ts';
import { EngineStalled } from '../../src/drivers/docker/engine-stall-guard.ts';
import { engineLocation } from '../../src/drivers/docker/engine-location.ts';
import type { DeployTarget, Driver } from '../../src/drivers/driver.ts';
import { describeFault } from '../../src/jobs/run-job.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { ioFor } from '../support/docker-apps.ts';
import { type NetnsEngine, startNetnsEngine } from '../support/netns-engine.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// An engine that stops answering mid-job (its dockerd frozen with SIGSTOP: connections are still
// accepted, nothing is answered), reached through a client with short stall timings.
// A ping gets 3 s: a busy machine (two test files at once on two cores) must not pass for a frozen engine.
const CHECK_EVERY_MS = 500;
const ANSWER_MS = 3000;
let engine: NetnsEngine;
let docker: Docker;
let driver: Driver;
const scratch = mkdtempSync(join(tmpdir(), 'vxs-'));
const instance = 'stall';

beforeAll(async () => {
  engine = await startNetnsEngine();
  docker = createDockerClient(engine.host, { stall: { checkEveryMs: CHECK_EVERY_MS, answerMs: ANSWER_MS } });
  driver = createDockerDriver({
    docker,
    instance,
    workDir: join(scratch, 'builds'),
    secretValues: () => ({}),
    engine: engineLocation(engine.host, 'remote'),
  });
}, 90_000);
afterAll(async () => {
  // A failed test may leave the engine frozen and containers of its own: thawed and removed before the engine stops.
  if (engine) {
    engine.resume();
    const plain = createDockerClient(engine.host);
    for (const c of await plain.listContainers({ all: true, filters: { label: [`voxoz.instance=${instance}`] } }).catch(() => []))
      await plain
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
  await engine?.stop();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

const stalledMessage = /^the Docker engine at unix:\/\/\S+docker\.sock has not answered for 3 s: its daemon hangs, or the way to it does$/;

/** Resumes the engine and waits until the client gets answers again; how long that took (ms). */
async function resumed(): Promise<number> {
  engine.resume();
  const t0 = Date.now();
  await waitUntil('the engine to answer the client again', () => docker.ping().then(() => true), 10_000, 50);
  return Date.now() - t0;
}

describe('a Docker engine that stops answering', () => {
  it('ends the calls and streams in flight with a named fault, fails new ones at once, and answers again once the engine does', async () => {
    const events = (await docker.getEvents()) as unknown as NodeJS.ReadableStream;
    const streamError = new Promise<Error>((resolve) => events.once('error', resolve));
    engine.pause();
    try {
      const t0 = Date.now();
      const err = await docker.listContainers().then(
        () => undefined,
        (e: Error) => e,
      );
      const waited = Date.now() - t0;
      expect(err).toBeInstanceOf(EngineStalled);
      expect(err?.message).toMatch(stalledMessage);
      // It waited for the engine's silence (a ping's time limit), not longer than a check and a ping.
      expect(waited).toBeGreaterThanOrEqual(ANSWER_MS - CHECK_EVERY_MS);
      expect(waited).toBeLessThan(ANSWER_MS + CHECK_EVERY_MS + 2500);
      expect((await streamError).message).toMatch(stalledMessage);
      // While it stays silent, a new call does not wait again.
      const t1 = Date.now();
      await expect(docker.getContainer('nope').inspect()).rejects.toThrow(stalledMessage);
      expect(Date.now() - t1).toBeLessThan(500);
      // A job that meets it says what could not be reached (run-job.ts), and is retried.
      expect(describeFault(err, 3)).toMatch(
        /^voxoz could not reach a service it needs \(Docker engine ETIMEDOUT unix:\/\/\S+docker\.sock\); it tried 3 times$/,
      );
    } finally {
      // The ping that waits answers as soon as the daemon runs: no check period to sit out.
      expect(await resumed()).toBeLessThan(3000);
    }
    expect(Array.isArray(await docker.listContainers())).toBe(true);
  });

  it('leaves a long call alone while the engine answers (a wait on a container that runs longer than the time limit)', async () => {
    const container = await docker.createContainer({
      Image: 'busybox:latest',
      Cmd: ['sleep', '7'],
      Labels: { 'voxoz.instance': instance },
      HostConfig: { NetworkMode: 'host' },
    });
    try {
      await container.start();
      const t0 = Date.now();
      expect((await container.wait()).StatusCode).toBe(0);
      expect(Date.now() - t0).toBeGreaterThan(ANSWER_MS * 2);
    } finally {
      await container.remove({ force: true });
    }
  });

  it('fails a deploy waiting on a frozen engine in seconds, and the next deploy once it answers leaves only its own release', async () => {
    const target = (release: number, more: Record<string, unknown> = {}): DeployTarget => ({
      app: validateConfig(
        { apps: [{ name: 'hello', source: { path: HELLO_APP_DIR }, port: 8080, replicas: 1, drainSeconds: 0, ...more }] },
        join(scratch, 'voxoz.yml'),
      ).apps[0]!,
      env: 'production',
      release,
      port: 8080,
    });
    const deploy = async (release: number, lines: string[], more: Record<string, unknown> = {}) => {
      const io = ioFor(lines);
      const t = target(release, more);
      return driver.deploy(t, await driver.build(t, undefined, io), io);
    };
    expect((await deploy(1, [])).healthy).toBe(1);

    // v2 never listens: the deploy waits up to 60 s on the engine's health check, and the engine freezes meanwhile.
    const deaf = join(scratch, 'deaf');
    mkdirSync(deaf, { recursive: true });
    writeFileSync(join(deaf, 'Dockerfile'), 'FROM busybox\nCMD ["/bin/sh", "-c", "exec sleep 600"]\n');
    const lines: string[] = [];
    const pending = deploy(2, lines, { source: { path: deaf }, health: { timeoutSeconds: 60, graceSeconds: 60 } });
    await waitUntil('v2 to wait on its health check', async () => lines.some((l) => l.startsWith('waiting up to 60s')), 60_000, 50);
    engine.pause();
    const t0 = Date.now();
    try {
      const err = await pending.then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(stalledMessage);
      expect(Date.now() - t0).toBeLessThan(ANSWER_MS + CHECK_EVERY_MS + 2500);
      expect(lines).toContainEqual('deploy failed: removing v2 and restoring v1');
    } finally {
      await resumed();
    }
    // What the frozen engine kept (v2's replica) goes with the next release that goes live.
    expect((await deploy(3, [])).healthy).toBe(1);
    const left = await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${instance}`] } });
    expect(left.map((c) => c.Labels['voxoz.release'])).toEqual(['3']);
    await docker.getContainer(left[0]!.Id).remove({ force: true });
  });
});
