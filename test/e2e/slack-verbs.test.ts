import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyText, C, parentOf, shown, twoAppsYamlForSlack, waitFor } from '../fixtures/slack/e2e-helpers.ts';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

/**
 * `releases` and `jobs` (and `cancel <job>`) from Slack: real Bolt over HTTP against the
 * simulator, a whole voxoz on the test Redis and the private dockerd. The answers come in the
 * slash command's ack, computed in the bot process; no worker is involved.
 */
describe('Slack: releases, jobs and cancel answered in the bot process', () => {
  let sim: SlackSimulator;
  let voxoz: TestVoxoz;
  let url: string;

  beforeAll(async () => {
    sim = await startSlackSimulator();
    voxoz = await startTestVoxoz({
      yaml: await twoAppsYamlForSlack(),
      env: { SLACK_BOT_TOKEN: sim.botToken, SLACK_SIGNING_SECRET: sim.signingSecret, SLACK_API_URL: sim.apiUrl },
    });
    url = `${voxoz.url}/slack/events`;
  });
  afterAll(async () => {
    await voxoz?.close();
    expect(sim.errors).toEqual([]);
    await sim?.close();
  });

  const slash = (text: string, user = { user_id: 'U0ALICE', user_name: 'alice' }, trigger_id?: string) =>
    sim.sendSlashCommand(url, { text, ...user, ...(trigger_id ? { trigger_id } : {}) });
  const bob = { user_id: 'U0BOB', user_name: 'bob' };

  it('releases shows the ledger with the live release; jobs shows running and queued jobs with who asked; cancel <job> stops them', async () => {
    const none = await slash('releases hello');
    expect(JSON.parse(none.body)).toMatchObject({ response_type: 'ephemeral' });
    expect(bodyText(none.body)).toContain('Nothing was deployed yet');

    await slash('deploy hello', undefined, 'trig-verbs-hello');
    const parent = await waitFor('the hello parent', () => parentOf(sim, 'slack-trig-verbs-hello'));
    await waitFor('hello to go live', () => /hello v1 live/.test(shown(sim.message(C, parent.ts))) || undefined, 90_000);
    const ledger = await slash('releases hello', bob);
    expect(ledger.ms).toBeLessThan(3000);
    expect(bodyText(ledger.body)).toContain('hello (production): 1 release');
    expect(bodyText(ledger.body)).toContain('* marks the live release: v1.');
    expect(bodyText(ledger.body)).toMatch(/\* v1 +live +\S+ \([0-9a-f]{12}\) +- +slack:\S+ +\d{4}-\d\d-\d\d \d\d:\d\d UTC/);

    // One worker slot: slow runs (never healthy) and hello waits behind it.
    await slash('deploy slow', undefined, 'trig-verbs-slow');
    await waitFor('slow to be running', async () => /running/.test(bodyText((await slash('jobs slow')).body)) || undefined, 60_000);
    await slash('deploy hello', bob, 'trig-verbs-hello2');
    const listed = bodyText((await slash('jobs', bob)).body);
    expect(listed).toContain('jobs (all apps): 1 running, 1 queued');
    expect(listed).toMatch(/slack-trig-verbs-slow +running +deploy slow +production +alice/);
    expect(listed).toMatch(/slack-trig-verbs-hello2 +#1 queued +deploy hello +production +bob/);

    expect(bodyText((await slash('cancel slack-trig-verbs-slow', bob)).body)).toContain(
      'only alice, who started "deploy slow", or an admin of slow/production may cancel it',
    );
    expect(bodyText((await slash('cancel slack-trig-verbs-slow')).body)).toContain(
      'Job slack-trig-verbs-slow stopping; what it started is being removed (unless it has already made its change, which its thread will say).',
    );
    const slowParent = await waitFor('the slow parent', () => parentOf(sim, 'slack-trig-verbs-slow'));
    await waitFor('slow to say cancelled', () => /cancelled by alice/.test(shown(sim.message(C, slowParent.ts))) || undefined, 60_000);
    const hello2 = await waitFor('the second hello parent', () => parentOf(sim, 'slack-trig-verbs-hello2'));
    await waitFor('hello v2 to go live', () => /hello v2 live/.test(shown(sim.message(C, hello2.ts))) || undefined, 90_000);
    expect(bodyText((await slash('jobs')).body)).toContain('No job is running or queued.');
    expect(bodyText((await slash('releases hello')).body)).toMatch(/\* v2 +live[\s\S]* {2}v1 +replaced by v2 /);
  });
});
