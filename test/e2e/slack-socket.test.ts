import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { bodyText, C, jobIds, parentOf, shown, twoAppsYamlForSlack, waitFor } from '../fixtures/slack/e2e-helpers.ts';

/** voxoz with Slack over Socket Mode (real Bolt, WebSocket to the simulator). */
describe('Slack over Socket Mode, end to end', () => {
  let sim: SlackSimulator;
  let voxoz: TestVoxoz | undefined;

  beforeAll(async () => {
    sim = await startSlackSimulator();
    voxoz = await startTestVoxoz({
      yaml: await twoAppsYamlForSlack(),
      env: { SLACK_BOT_TOKEN: sim.botToken, SLACK_APP_TOKEN: sim.appToken, SLACK_API_URL: sim.apiUrl },
    });
    await sim.waitForConnection(1);
  });
  afterAll(async () => {
    await voxoz?.close();
    await sim.waitForNoConnections();
    expect(sim.errors).toEqual([]);
    expect(sim.breachesByMethod()).toEqual({});
    expect(sim.socket.strayMessages).toEqual([]);
    await sim.close();
  });

  it('mounts no HTTP endpoint: commands arrive over the socket only', async () => {
    expect((await fetch(`${voxoz!.url}/slack/events`, { method: 'POST' })).status).toBe(404);
  });

  it('answers parse errors and an unknown app in the ack, ephemerally', async () => {
    const bad = await sim.sendEnvelope('slash_commands', sim.slashCommandPayload({ text: 'deploy' }).fields);
    expect(bad.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(bodyText(bad.payload)).toMatch(/deploy: invalid arguments/);
    const unknown = await sim.sendEnvelope('slash_commands', sim.slashCommandPayload({ text: 'deploy ghost' }).fields);
    expect(bodyText(unknown.payload)).toMatch(/ghost/);
    expect(await jobIds(inject('redisUrl'), voxoz!.queueName)).toEqual([]);
  });

  it('deploys hello: ack, parent edited in place, threaded log, log file, live app', async () => {
    const started = Date.now();
    const ack = await sim.sendEnvelope(
      'slash_commands',
      sim.slashCommandPayload({ text: 'deploy hello', trigger_id: 'sock-deploy' }).fields,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(bodyText(ack.payload)).toContain('queued');
    const parent = await waitFor('parent', () => parentOf(sim, 'slack-sock-deploy'));
    const final = await waitFor(
      'live',
      () => {
        const m = sim.message(C, parent.ts);
        return /live/.test(shown(m)) ? m : undefined;
      },
      90_000,
    );
    expect(shown(final)).toMatch(/hello v1 live/);
    expect(final.edits.length).toBeGreaterThanOrEqual(1);
    const file = await waitFor('log file', () => sim.files(C, parent.ts)[0]);
    expect(file.length).toBeGreaterThan(0);
    expect(sim.thread(C, parent.ts).some((m) => m.fileIds.length === 0 && m.text.startsWith('```'))).toBe(true);
    const page = await fetch(`http://127.0.0.1:${voxoz!.appPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/hello/i);
  }, 120_000);

  it('Cancel over the socket: a stranger is refused, the requester cancels', async () => {
    await sim.sendEnvelope('slash_commands', sim.slashCommandPayload({ text: 'deploy slow', trigger_id: 'sock-slow' }).fields);
    const parent = await waitFor(
      'slow running',
      () => {
        const m = parentOf(sim, 'slack-sock-slow');
        return m && /building|deploying/.test(shown(m)) ? m : undefined;
      },
      60_000,
    );
    const stranger = sim.blockActionPayload({ message_ts: parent.ts, action_id: 'cancel', user: 'U0BOB' });
    await sim.sendEnvelope('interactive', stranger.payload);
    const refusal = await waitFor('refusal', () => sim.responses(stranger.responseUrlId!)[0]);
    expect(refusal.body).toMatchObject({ response_type: 'ephemeral' });
    expect(bodyText(refusal.body)).toMatch(/only alice/);

    const mine = sim.blockActionPayload({ message_ts: parent.ts, action_id: 'cancel', user: 'U0ALICE' });
    await sim.sendEnvelope('interactive', mine.payload);
    expect(bodyText((await waitFor('answer', () => sim.responses(mine.responseUrlId!)[0])).body)).toMatch(/stopping|removed/);
    await waitFor('cancelled', () => /cancelled by alice/.test(shown(sim.message(C, parent.ts))), 60_000);
  }, 120_000);

  it('survives a disconnect and keeps taking commands', async () => {
    sim.disconnect();
    await sim.waitForConnection(2, 30_000);
    const ack = await sim.sendEnvelope('slash_commands', sim.slashCommandPayload({ text: 'help' }).fields);
    expect(bodyText(ack.payload)).toMatch(/deploy/);
  }, 40_000);
});
