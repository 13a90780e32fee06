import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { bodyText, C, jobIds, waitFor } from '../fixtures/slack/e2e-helpers.ts';

const EXTERNAL_TEAM = 'T0EXTERN1';

/**
 * Issue 7, item 10: SLACK_TEAM_IDS names the workspaces voxoz serves. Commands, clicks and
 * mentions from any other are refused with a log line and a specific ephemeral answer, and a
 * Slack Connect member of another organisation gains nothing from a shared channel.
 */
describe('Slack workspace scoping', () => {
  let sim: SlackSimulator;
  let voxoz: TestVoxoz;
  let url: string;
  const lines: string[] = [];

  beforeAll(async () => {
    sim = await startSlackSimulator({
      users: [
        { id: 'U0ALICE', name: 'alice' },
        { id: 'U0BOB', name: 'bob' },
        { id: 'U0EXT', name: 'mallory' },
      ],
      channels: [{ id: C, name: 'deploys', sharedWith: [EXTERNAL_TEAM] }],
    });
    voxoz = await startTestVoxoz({
      env: {
        SLACK_BOT_TOKEN: sim.botToken,
        SLACK_SIGNING_SECRET: sim.signingSecret,
        SLACK_API_URL: sim.apiUrl,
        SLACK_TEAM_IDS: `${sim.teamId},T0SECOND1`,
      },
      log: createLogger('info', {}, (line) => lines.push(line)),
    });
    url = `${voxoz.url}/slack/events`;
  });
  afterAll(async () => {
    await voxoz?.close();
    expect(sim.errors).toEqual([]);
    await sim?.close();
  });

  const refusals = (kind: string) => lines.filter((l) => l.includes('slack request refused') && l.includes(`"kind":"${kind}"`));

  it('serves its own workspace', async () => {
    const help = await sim.sendSlashCommand(url, { text: 'help' });
    expect(help.status).toBe(200);
    expect(bodyText(help.body)).toMatch(/deploy/);
    expect(lines.some((l) => l.includes('serves every Slack workspace'))).toBe(false);
  });

  it('refuses a command from a workspace it does not serve, saying why, and queues nothing', async () => {
    const res = await sim.sendSlashCommand(url, { text: 'status hello', team_id: 'T0FOREIGN', trigger_id: 'trig-foreign' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ response_type: 'ephemeral' });
    expect(bodyText(res.body)).toMatch(/not served here/);
    expect(bodyText(res.body)).toMatch(/workspace T0FOREIGN is not one this voxoz serves/);
    expect(refusals('command').some((l) => l.includes('T0FOREIGN'))).toBe(true);
    expect(await jobIds(inject('redisUrl'), voxoz.queueName)).toEqual([]);
  });

  it('a Slack Connect member of another organisation: their mention queues nothing, their Cancel click changes nothing', async () => {
    const mention = await sim.sendEvent(url, {
      type: 'app_mention',
      user: 'U0EXT',
      user_team: EXTERNAL_TEAM,
      text: `<@${sim.botUserId}> status hello`,
      channel: C,
      ts: '1700000000.000300',
    });
    expect(mention.status).toBe(200);
    const answer = await waitFor('the refusal to the mention', () => sim.ephemerals().find((e) => e.user === 'U0EXT'));
    expect(answer.text).toMatch(/not served here/);
    expect(refusals('mention').some((l) => l.includes(EXTERNAL_TEAM))).toBe(true);
    expect(await jobIds(inject('redisUrl'), voxoz.queueName)).toEqual([]);

    // alice queues a job; the outsider clicks its Cancel (as the shared channel lets them).
    const ack = await sim.sendSlashCommand(url, { text: 'status hello', trigger_id: 'trig-own' });
    expect(bodyText(ack.body)).toMatch(/queued/);
    const click = await sim.sendBlockAction(url, {
      message_ts: '1700000000.000400',
      action_id: 'cancel',
      value: 'slack-trig-own',
      user: 'U0EXT',
      user_team: EXTERNAL_TEAM,
      allowUnknown: true,
    });
    expect(click.status).toBe(200);
    const reply = await waitFor('the refusal to the click', () => sim.responses(click.responseUrlId!)[0]);
    expect(bodyText(reply.body)).toMatch(/members of other organisations \(team T0EXTERN1\) cannot use this voxoz/);
    expect(refusals('click').length).toBe(1);
  });

  it('the simulator refuses what Slack would never send: an outsider acting in a channel not shared with them', () => {
    expect(() =>
      sim.blockActionPayload({ message_ts: '1.1', action_id: 'cancel', user: 'U0EXT', user_team: 'T0NOTSHARE', allowUnknown: true }),
    ).toThrow(/not shared with that team/);
    expect(() =>
      sim.eventPayload({ type: 'app_mention', user: 'U0EXT', user_team: 'T0NOTSHARE', text: 'x', channel: C, ts: '1.2' }),
    ).toThrow(/not shared with that team/);
    expect(sim.eventPayload({ type: 'app_mention', user: 'U0ALICE', text: 'x', channel: C, ts: '1.3' })).toMatchObject({
      is_ext_shared_channel: true,
    });
  });
});
