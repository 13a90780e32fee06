import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveFlow, blockAction, rejectFlow, slackPeople, USERS, type SlackFlow } from '../fixtures/slack/approval-flow.ts';
import { bodyText } from '../fixtures/slack/e2e-helpers.ts';
import { approvalYaml, helloCopy } from '../support/approval-flow.ts';
import { startSlackSimulator } from '../support/slack-sim/index.ts';
import { startTestVoxoz } from '../support/start-voxoz.ts';

/** The same approval flow over Socket Mode: commands, clicks and the form's submission arrive as envelopes. */
describe('Slack over Socket Mode: a rollback waits for an approver, and a Reject carries its reason', () => {
  let f: SlackFlow | undefined;
  beforeAll(async () => {
    const sim = await startSlackSimulator({ users: USERS });
    const hello = helloCopy();
    const voxoz = await startTestVoxoz({
      yaml: approvalYaml(hello.dir, slackPeople(sim)),
      env: { SLACK_BOT_TOKEN: sim.botToken, SLACK_APP_TOKEN: sim.appToken, SLACK_API_URL: sim.apiUrl },
    });
    await sim.waitForConnection(1);
    f = {
      sim,
      voxoz,
      hello,
      send: {
        slash: async (text, user, trigger_id) =>
          bodyText((await sim.sendEnvelope('slash_commands', sim.slashCommandPayload({ text, ...user, trigger_id }).fields)).payload),
        async click(c) {
          const { payload, responseUrlId } = sim.blockActionPayload(blockAction(c));
          await sim.sendEnvelope('interactive', payload);
          return { responseUrlId: responseUrlId!, actionTs: String((payload.actions as Array<{ action_ts: string }>)[0]!.action_ts) };
        },
        submit: (view_id, values) => sim.sendViewSubmissionEnvelope({ view_id, values }),
      },
    };
  });
  afterAll(async () => {
    await f?.voxoz.close();
    await f?.sim.waitForNoConnections();
    f?.hello.remove();
    expect(f?.sim.errors).toEqual([]);
    expect(f?.sim.socket.strayMessages).toEqual([]);
    await f?.sim.close();
  });

  it('deploy v1, v2; rollback asked by alice; carol and alice refused; bob approves; the rollback runs in the thread and v1 serves', async () => {
    await approveFlow(f!);
  }, 300_000);

  it('a Reject through the form rewrites the request with its reason and runs nothing', async () => {
    await rejectFlow(f!);
  }, 60_000);
});
