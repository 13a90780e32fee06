import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapter } from '../../adapters/slack/slack-adapter.ts';
import { commands } from '../../commands/index.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { createDispatcher } from '../../src/dispatch/dispatcher.ts';
import { requesterPolicy } from '../../src/dispatch/policy.ts';
import { startHttpServer, type RunningHttpServer } from '../../src/http/http-server.ts';
import { createJobQueue, type JobQueue } from '../../src/jobs/job-queue.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';
import { bodyText, C } from '../fixtures/slack/e2e-helpers.ts';
import { dispatchStores } from '../support/dispatch-stores.ts';

/**
 * The real Slack adapter and dispatcher with a queue whose Redis is not there (a free port
 * nobody listens on; the shared test Redis is never touched): the user hears "queue
 * unavailable" in the ack, within about a second, and nothing is posted later.
 */
describe('Slack when Redis is down', () => {
  let sim: SlackSimulator;
  let queue: JobQueue;
  let http: RunningHttpServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vxs-'));
    writeFileSync(join(dir, 'voxoz.yml'), 'apps:\n  - name: hello\n    source: { path: /tmp }\n    port: 18080\n');
    const config = loadConfig(join(dir, 'voxoz.yml'));
    sim = await startSlackSimulator();
    const redisUrl = `redis://127.0.0.1:${await findFreePort()}`;
    queue = createJobQueue({
      redisUrl,
      keys: redisKeys('test-down'),
      queueName: 'jobs',
      attempts: 1,
    });
    const dispatcher = createDispatcher({
      registry: createRegistry(commands),
      config: () => config,
      queue,
      ...dispatchStores(redisUrl, redisKeys('test-down')),
      policy: requesterPolicy,
      log: silentLogger,
    });
    const adapter = createSlackAdapter({
      slack: { botToken: sim.botToken, signingSecret: sim.signingSecret, apiUrl: sim.apiUrl },
      dispatcher,
      log: silentLogger,
    });
    await adapter.start();
    http = await startHttpServer({ host: '127.0.0.1', port: 0, mounts: adapter.mounts, log: silentLogger });
  });
  afterAll(async () => {
    await http?.close();
    await queue?.close().catch(() => undefined);
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('acks "queue unavailable" within about a second and never posts a phantom job', async () => {
    const url = `http://127.0.0.1:${http.port}/slack/events`;
    for (const text of ['deploy hello', 'status']) {
      const r = await sim.sendSlashCommand(url, { text });
      expect(r.status).toBe(200);
      expect(r.ms).toBeLessThan(1600);
      expect(JSON.parse(r.body)).toMatchObject({ response_type: 'ephemeral' });
      expect(bodyText(r.body)).toMatch(/queue unavailable/);
      expect(bodyText(r.body)).toMatch(/nothing was queued/);
    }
    // Help needs no queue and still works.
    expect(bodyText((await sim.sendSlashCommand(url, { text: 'help' })).body)).toMatch(/deploy/);
    await new Promise((r) => setTimeout(r, 1000));
    expect(sim.messages(C)).toEqual([]);
  });
});
