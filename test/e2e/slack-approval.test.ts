import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveFlow, blockAction, rejectFlow, slackPeople, USERS, type SlackFlow } from '../fixtures/slack/approval-flow.ts';
import { bodyText } from '../fixtures/slack/e2e-helpers.ts';
import { approvalYaml, helloCopy } from '../support/approval-flow.ts';
import { startSlackSimulator } from '../support/slack-sim/index.ts';
import { startTestVoxoz } from '../support/start-voxoz.ts';

/**
 * A rollback approved by button on Slack over HTTP: real Bolt behind /slack/events, the
 * simulator signing every command, click and form submission, the real engine serving hello.
 */
describe('Slack over HTTP: a rollback waits for an approver, and a Reject carries its reason', () => {
  let f: SlackFlow | undefined;
  beforeAll(async () => {
    const sim = await startSlackSimulator({ users: USERS });
    const hello = helloCopy();
    const voxoz = await startTestVoxoz({
      yaml: approvalYaml(hello.dir, slackPeople(sim)),
      env: { SLACK_BOT_TOKEN: sim.botToken, SLACK_SIGNING_SECRET: sim.signingSecret, SLACK_API_URL: sim.apiUrl },
    });
    const url = `${voxoz.url}/slack/events`;
    f = {
      sim,
      voxoz,
      hello,
      send: {
        slash: async (text, user, trigger_id) => bodyText((await sim.sendSlashCommand(url, { text, ...user, trigger_id })).body),
        async click(c) {
          const r = await sim.sendBlockAction(url, blockAction(c));
          expect(r.status).toBe(200);
          return { responseUrlId: r.responseUrlId!, actionTs: r.actionTs };
        },
        async submit(view_id, values) {
          const r = await sim.sendViewSubmission(url, { view_id, values });
          expect(r.status).toBe(200);
          return r.result;
        },
      },
    };
  });
  afterAll(async () => {
    await f?.voxoz.close();
    f?.hello.remove();
    expect(f?.sim.errors).toEqual([]);
    await f?.sim.close();
  });

  it('deploy v1, v2; rollback asked by alice; carol and alice refused; bob approves; the rollback runs in the thread and v1 serves', async () => {
    await approveFlow(f!);
  }, 300_000);

  it('a Reject through the form rewrites the request with its reason and runs nothing', async () => {
    await rejectFlow(f!);
  }, 60_000);
});
