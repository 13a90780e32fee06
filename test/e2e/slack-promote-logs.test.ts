import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/services/free-port.ts';
import { httpOnce } from '../support/http-once.ts';
import { bodyText, C, parentOf, shown, waitFor } from '../fixtures/slack/e2e-helpers.ts';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';
import { HELLO_APP_DIR, startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

/**
 * `promote` and `logs` from Slack: real Bolt over HTTP against the simulator, a whole voxoz on
 * the test Redis and the private dockerd. Both run as jobs: the parent message says the
 * outcome, and the logs arrive in its thread in batches and as the attached file.
 */
describe('Slack: promote and logs', () => {
  let sim: SlackSimulator;
  let voxoz: TestVoxoz;
  let url: string;
  let stagingPort: number;

  beforeAll(async () => {
    sim = await startSlackSimulator();
    stagingPort = await findFreePort();
    voxoz = await startTestVoxoz({
      yaml: `apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
    environments: { production: {}, staging: { port: ${stagingPort} } }
    health: { path: /, timeoutSeconds: 20 }
    drainSeconds: 1
worker: { concurrency: 1, attempts: 1 }
`,
      env: { SLACK_BOT_TOKEN: sim.botToken, SLACK_SIGNING_SECRET: sim.signingSecret, SLACK_API_URL: sim.apiUrl },
    });
    url = `${voxoz.url}/slack/events`;
  });
  afterAll(async () => {
    await voxoz?.close();
    expect(sim.errors).toEqual([]);
    await sim?.close();
  });

  const slash = (text: string, trigger_id?: string) =>
    sim.sendSlashCommand(url, { text, user_id: 'U0ALICE', user_name: 'alice', ...(trigger_id ? { trigger_id } : {}) });
  /** Runs a queued command and waits until its parent message matches `done`. */
  const job = async (text: string, trigger: string, done: RegExp) => {
    await slash(text, trigger);
    const parent = await waitFor(`the parent of "${text}"`, () => parentOf(sim, `slack-${trigger}`));
    await waitFor(`"${text}" to finish`, () => done.test(shown(sim.message(C, parent.ts))) || undefined, 90_000);
    return parent;
  };

  it("promote serves staging's image in production; logs puts the replica's stdout in the thread and the file", async () => {
    const unknown = await slash('promote hello staging qa');
    expect(bodyText(unknown.body)).toContain('hello has no environment \\"qa\\" (it has: production, staging)');

    await job('deploy hello --env staging', 'trig-pl-staging', /hello v1 live/);
    expect(await httpOnce(`127.0.0.1:${stagingPort}`)).toContain('hello from release v1');
    const promoted = await job(
      'promote hello staging production',
      'trig-pl-promote',
      /hello v1 live in production: promoted from staging v1 \(1\/1 healthy\)/,
    );
    expect(shown(sim.message(C, promoted.ts))).toContain('no rebuild');
    expect(await httpOnce(`127.0.0.1:${voxoz.appPort}`)).toContain('hello from release v1');
    expect(bodyText((await slash('releases hello')).body)).toMatch(/\* v1 +live, promoted from staging v1 /);

    const logs = await job('logs hello --tail 50', 'trig-pl-logs', /logs hello \(production\): \d+ lines? from 1 replica/);
    await waitFor('the logs file', () => sim.files(C, logs.ts)[0], 30_000);
    const batches = sim
      .thread(C, logs.ts)
      .filter((m) => m.fileIds.length === 0)
      .map((m) => m.text)
      .join('\n');
    expect(batches).toMatch(/v1-0 out \| hello v1 listening on 127\.0\.0\.1:\d+/);
    const file = sim.files(C, logs.ts)[0]!.content!.toString('utf8');
    expect(file).toMatch(/v1-0 out \| hello v1 listening on 127\.0\.0\.1:\d+/);

    const badSince = await slash('logs hello --since soon');
    expect(bodyText(badSince.body)).toContain('--since: \\"soon\\" is not a duration of 1s..30d; write it like 90s, 10m, 2h or 1d');
  }, 240_000);
});
