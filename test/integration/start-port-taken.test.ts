import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../src/config/read-settings.ts';
import { startVoxoz } from '../../src/main.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { findFreePort } from '../../src/services/free-port.ts';

let taken: Server;
let port: number;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vxp-'));
  writeFileSync(join(dir, 'voxoz.yml'), 'apps: []\n');
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  port = (taken.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => taken.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('a voxoz whose port is taken', () => {
  // A Redis that does not answer and an engine that is not there: a start that went on to its
  // services would fail on those instead, after waiting for them.
  const env = async (): Promise<NodeJS.ProcessEnv> => ({
    REDIS_URL: `redis://127.0.0.1:${await findFreePort()}`,
    DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}`,
    VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
    VOXOZ_DATA_DIR: join(dir, 'data'),
    PORT: String(port),
  });

  it.each(['worker', 'all'] as const)('%s: says so before it starts or waits for any service', async (mode) => {
    const e = await env();
    await expect(startVoxoz(readSettings(e), e, silentLogger, mode)).rejects.toThrow(
      `127.0.0.1:${port} is already in use (another voxoz, or another program, listens there); give this one a free port, e.g. PORT=${port + 1}`,
    );
  });
});
