import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { serviceSpec } from '../../src/drivers/swarm/service-spec.ts';

const run = promisify(execFile);
const config = validateConfig(
  { apps: [{ name: 'hello', source: { path: '/srv/hello' }, port: 18080, env: { MODE: 'live' }, health: { path: '/healthz' } }] },
  '/tmp/voxoz.yml',
);
const app = config.apps[0]!;
const spec = (over: Partial<Parameters<typeof serviceSpec>[0]> = {}) =>
  serviceSpec({
    instance: 'voxoz',
    placement: { constraints: ['node.labels.tier==web'], spread: 'zone' },
    target: { app, env: 'production', release: 7, port: 18080 },
    image: 'voxoz/hello:7',
    argv: ['/bin/hello', '--serve'],
    replicas: 3,
    ports: { base: 20700, size: 100 },
    secrets: { TOKEN: 's3cret' },
    ...over,
  }) as {
    Name: string;
    Labels: Record<string, string>;
    TaskTemplate: {
      ContainerSpec: { Command: string[]; Args: string[]; Env: string[]; HealthCheck: { Test: string[] } };
      Networks: unknown[];
      Placement: { Constraints: string[]; Preferences?: unknown[] };
    };
    Mode: unknown;
  };

describe('serviceSpec (a release of an app on a swarm)', () => {
  it('names the release, labels it with its ports (base and block size) and fence, and runs the image on the host network', () => {
    const s = spec({ fence: 42 });
    expect(s.Name).toBe('voxoz-hello-production-v7');
    expect(s.Labels).toMatchObject({ 'voxoz.release': '7', 'voxoz.port': '20700', 'voxoz.port-block': '100', 'voxoz.fence': '42' });
    expect('voxoz.fence' in spec().Labels).toBe(false);
    expect(s.TaskTemplate.Networks).toEqual([{ Target: 'host' }]);
    expect(s.TaskTemplate.ContainerSpec.Args).toEqual(['/bin/hello', '--serve']);
    expect(s.Mode).toEqual({ Replicated: { Replicas: 3 } });
    const env = s.TaskTemplate.ContainerSpec.Env;
    expect(env).toEqual(expect.arrayContaining(['MODE=live', 'TOKEN=s3cret', 'VOXOZ_BASE_PORT=20700', 'VOXOZ_REPLICA={{.Task.Slot}}']));
  });

  it('spreads replicas over the spread label only when the target names one; constraints always apply', () => {
    expect(spec().TaskTemplate.Placement).toEqual({
      Constraints: ['node.labels.tier==web'],
      Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }],
    });
    expect(spec({ placement: { constraints: [] } }).TaskTemplate.Placement).toEqual({ Constraints: [] });
  });

  describe('each task on its own port (base + slot), the health check on the same one', () => {
    let server: Server;
    let port = 0;
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.statusCode = req.url === '/healthz' ? 200 : 503;
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    // What the engine runs: the command's sh with the task's environment (slot 3 of a release whose base is port - 3).
    const taskEnv = () => ({ PATH: process.env.PATH, VOXOZ_BASE_PORT: String(port - 3), VOXOZ_REPLICA: '3' });

    it('the start command gives the app PORT = base + slot', async () => {
      const [, , script, name] = spec().TaskTemplate.ContainerSpec.Command;
      const { stdout } = await run('/bin/sh', ['-c', script!, name!, 'sh', '-c', 'echo "$PORT"'], { env: taskEnv() });
      expect(stdout.trim()).toBe(String(port));
    });

    it('the health check asks that port for the health path and passes on 2xx', async () => {
      const [, , , script, ...args] = spec().TaskTemplate.ContainerSpec.HealthCheck.Test;
      await expect(run('sh', ['-c', script!, ...args], { env: taskEnv() })).resolves.toBeDefined();
    });

    it('and fails, saying what it got, on any other answer', async () => {
      const other = validateConfig(
        { apps: [{ ...config.apps[0], source: { path: '/srv/hello' }, health: { path: '/ready' } }] },
        '/tmp/voxoz.yml',
      );
      const [, , , script, ...args] = spec({ target: { app: other.apps[0]!, env: 'production', release: 7, port: 18080 } }).TaskTemplate
        .ContainerSpec.HealthCheck.Test;
      await expect(run('sh', ['-c', script!, ...args], { env: taskEnv() })).rejects.toMatchObject({ stdout: 'answered 503\n' });
    });
  });
});
