import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SLACK_BODY_LIMIT } from '../../adapters/slack/slack-http-mount.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { bodyText, jobIds } from '../fixtures/slack/e2e-helpers.ts';
import { streamBody } from '../fixtures/slack/stream-body.ts';

const FORM = 'application/x-www-form-urlencoded';
const MiB = 1024 * 1024;

/**
 * Issue 7, item 9: Bolt reads the whole body before it checks the signature, so voxoz caps
 * /slack/events at 1 MiB before Bolt sees the request, while Bolt still reads what is under it.
 */
describe('Slack over HTTP: the body cap', () => {
  let sim: SlackSimulator;
  let voxoz: TestVoxoz;
  let url: string;
  const lines: string[] = [];

  beforeAll(async () => {
    sim = await startSlackSimulator();
    voxoz = await startTestVoxoz({
      env: { SLACK_BOT_TOKEN: sim.botToken, SLACK_SIGNING_SECRET: sim.signingSecret, SLACK_API_URL: sim.apiUrl },
      log: createLogger('warn', {}, (line) => lines.push(line)),
    });
    url = `${voxoz.url}/slack/events`;
  });
  afterAll(async () => {
    await voxoz?.close();
    await sim?.close();
  });

  /** A validly signed slash command `status hello` whose form is padded to `bytes`. */
  const paddedCommand = (bytes: number, trigger: string) => {
    const fields = new URLSearchParams(sim.slashCommandPayload({ text: 'status hello', trigger_id: trigger }).fields).toString();
    return `${fields}&padding=${'a'.repeat(Math.max(0, bytes - fields.length - 9))}`;
  };

  it('with SLACK_TEAM_IDS unset, says at start that it serves every workspace', () => {
    expect(lines.filter((l) => l.includes('serves every Slack workspace'))).toHaveLength(1);
  });

  it('answers a signed 2 MiB POST with 413 and queues nothing (it used to reach Bolt and run)', async () => {
    const body = paddedCommand(2 * MiB, 'trig-big');
    expect(body.length).toBeGreaterThan(SLACK_BODY_LIMIT);
    const res = await sim.sendSigned(url, body, FORM);
    expect(res.status).toBe(413);
    expect(res.body).toMatch(/larger than 1048576 bytes/);
    await new Promise((r) => setTimeout(r, 300));
    expect(await jobIds(inject('redisUrl'), voxoz.queueName)).toEqual([]);
  });

  it('still hands Bolt a readable body under the cap: a signed command padded to just under 1 MiB queues its job', async () => {
    const body = paddedCommand(SLACK_BODY_LIMIT - 1024, 'trig-near-cap');
    expect(body.length).toBeLessThan(SLACK_BODY_LIMIT);
    const res = await sim.sendSigned(url, body, FORM);
    expect(res.status).toBe(200);
    expect(bodyText(res.body)).toMatch(/queued/);
    const small = await sim.sendSlashCommand(url, { text: 'help' });
    expect(small.status).toBe(200);
    expect(bodyText(small.body)).toMatch(/deploy/);
    expect(await jobIds(inject('redisUrl'), voxoz.queueName)).toEqual(['slack-trig-near-cap']);
  });

  it('a streamed 256 MiB body (no Content-Length) gets 413, is cut off after a few MiB, and memory stays flat', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const headers = { 'content-type': FORM, 'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${'0'.repeat(64)}` };
    const res = await streamBody(url, headers, 256 * MiB);
    expect(res.status).toBe(413);
    expect(res.cutOff).toBe(true);
    // Closed by the server, not left hanging until a timeout.
    expect(res.ms).toBeLessThan(5000);
    expect(res.sent).toBeLessThan(32 * MiB);
    expect(res.peakRssGrowth).toBeLessThan(64 * MiB);
    // The server is still there and answers the next request.
    expect((await sim.sendSlashCommand(url, { text: 'help' })).status).toBe(200);
  }, 30_000);
});
