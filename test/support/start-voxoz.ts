import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { readSettings } from '../../src/config/read-settings.ts';
import { startVoxoz, type Voxoz } from '../../src/main.ts';
import { createLogger, silentLogger, type Logger } from '../../src/observability/logger.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { withOpenAccess } from './open-access.ts';

export const HELLO_APP_DIR = resolve(import.meta.dirname, '../../examples/hello');

export interface TestVoxoz extends Voxoz {
  /** Base URL of the HTTP server (local API, platform endpoints). */
  url: string;
  /** The port the `hello` app's first replica listens on. */
  appPort: number;
  queueName: string;
  dir: string;
}

/**
 * Starts a whole voxoz in this process, as `npm start` would, against the test Redis and the
 * private dockerd: its own queue name (fresh Redis keys), its own config with a `hello` app on
 * a free port, and whatever extra environment (SLACK_*, DISCORD_*) the test passes.
 * `yaml` replaces the apps section when given; `APP_PORT` in it is replaced by a free port.
 */
export async function startTestVoxoz(opts: { env?: NodeJS.ProcessEnv; yaml?: string; log?: Logger } = {}): Promise<TestVoxoz> {
  const dir = mkdtempSync(join(tmpdir(), 'vxv-'));
  const appPort = await findFreePort();
  const queueName = `test-${randomUUID().slice(0, 8)}`;
  const yaml = (
    opts.yaml ??
    `apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
    health: { path: /, timeoutSeconds: 20 }
`
  ).replaceAll('APP_PORT', String(appPort));
  writeFileSync(join(dir, 'voxoz.yml'), withOpenAccess(yaml));
  const env: NodeJS.ProcessEnv = {
    REDIS_URL: inject('redisUrl'),
    DOCKER_HOST: inject('dockerHost'),
    VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
    VOXOZ_DATA_DIR: join(dir, 'data'),
    VOXOZ_QUEUE: queueName,
    PORT: '0',
    ...opts.env,
  };
  const log = opts.log ?? (process.env.VOXOZ_TEST_LOG ? createLogger('debug') : silentLogger);
  // A start that fails (a config refused) leaves nothing behind either.
  const voxoz = await startVoxoz(readSettings(env), env, log).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...voxoz,
    url: `http://127.0.0.1:${voxoz.port}`,
    appPort,
    queueName,
    dir,
    async close() {
      await voxoz.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
