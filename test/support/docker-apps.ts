import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, inject } from 'vitest';
import { validateConfig, type LoadedConfig } from '../../src/config/load-config.ts';
import type { AppSpec } from '../../src/config/schema.ts';
import { isUserError } from '../../src/core/user-error.ts';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { createDockerDriver } from '../../src/drivers/docker/docker-driver.ts';
import type { DeployTarget, Driver, DriverIO, Fence } from '../../src/drivers/driver.ts';
import { createCaddyFrontDoor } from '../../src/frontdoor/caddy-front-door.ts';
import { ensureCaddy, type RunningCaddy } from '../../src/services/caddy.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { httpOnce } from './http-once.ts';
import { HELLO_APP_DIR } from './start-voxoz.ts';

/**
 * The real Docker driver on the test engine, under an installation name of its own, and apps
 * made fresh for each test (own name, own port), so no test depends on what another left.
 */
export function dockerTestbed() {
  const docker = createDockerClient(inject('dockerHost'));
  const instance = `t${randomUUID().slice(0, 8)}`;
  const scratch = mkdtempSync(join(tmpdir(), 'vxd-'));
  // A caddy of its own, started as voxoz starts its front door, for this file's deploys.
  let caddy: RunningCaddy | undefined;
  beforeAll(async () => {
    caddy = await ensureCaddy(join(scratch, 'caddy'));
  });
  const frontDoor = createCaddyFrontDoor(join(scratch, 'caddy', 'admin.sock'));
  const driver: Driver = createDockerDriver({
    docker,
    instance,
    workDir: join(scratch, 'builds'),
    secretValues: () => ({ HELLO_TOKEN: 'sekrit' }),
    frontDoor,
  });
  let seq = 0;
  return {
    docker,
    instance,
    scratch,
    driver,
    frontDoor,
    /** A new app (`hello1`, `hello2`, …) on a free port; `spec` and `config` build it from voxoz.yml-shaped overrides. */
    async freshApp(overrides: Record<string, unknown> = {}) {
      seq += 1;
      const name = `hello${seq}`;
      const port = await findFreePort();
      const raw = (more: Record<string, unknown> = {}) => ({
        name,
        source: { path: HELLO_APP_DIR },
        port,
        health: { timeoutSeconds: 10 },
        drainSeconds: 1,
        ...overrides,
        ...more,
      });
      const config = (more: Record<string, unknown> = {}): LoadedConfig =>
        validateConfig({ apps: [raw(more)] }, join(scratch, 'voxoz.yml'));
      const spec = (more: Record<string, unknown> = {}): AppSpec => config(more).apps[0]!;
      const target = (release: number, more: Record<string, unknown> = {}, env = 'production'): DeployTarget => ({
        app: spec(more),
        env,
        release,
        port,
      });
      /** Builds and deploys release `release` of the hello app (its own baseline). */
      const deploy = async (release: number, more: Record<string, unknown> = {}, io: DriverIO = ioFor([])) => {
        const artifact = await driver.build(target(release, more), undefined, io);
        return driver.deploy(target(release, more), artifact, io);
      };
      return { name, port, spec, config, target, deploy };
    },
    async cleanup() {
      const containers = await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${instance}`] } });
      for (const c of containers) await docker.getContainer(c.Id).remove({ force: true });
      const images = await docker.listImages({ filters: { label: [`voxoz.instance=${instance}`] } });
      for (const i of images)
        await docker
          .getImage(i.Id)
          .remove({ force: true })
          .catch(() => undefined);
      await caddy?.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

export function ioFor(lines: string[], controller = new AbortController(), fence?: Fence): DriverIO {
  return {
    log: (l) => lines.push(l),
    step: () => undefined,
    signal: controller.signal,
    now: () => new Date(),
    ...(fence ? { fence } : {}),
  };
}

/** Status and body of the page at 127.0.0.1:port (the front door), on a connection of its own. */
export function page(port: number): Promise<string> {
  return httpOnce(`127.0.0.1:${port}`);
}

export async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isUserError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a UserError');
}
