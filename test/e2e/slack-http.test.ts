import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { bodyText, C, jobIds, parentOf, shown, twoAppsYamlForSlack, waitFor } from '../fixtures/slack/e2e-helpers.ts';

const FORM = 'application/x-www-form-urlencoded';

/** voxoz with Slack over HTTP (real Bolt) against the simulator, on the test Redis and dockerd. */
describe('Slack over HTTP, end to end', () => {
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
    expect(sim.breachesByMethod()).toEqual({});
    await sim?.close();
  });

  it('answers help, parse errors and an unknown app ephemerally, and queues nothing', async () => {
    const help = await sim.sendSlashCommand(url, { text: 'help' });
    expect(help.status).toBe(200);
    expect(JSON.parse(help.body)).toMatchObject({ response_type: 'ephemeral' });
    expect(bodyText(help.body)).toContain('deploy');

    const missing = await sim.sendSlashCommand(url, { text: 'deploy' });
    expect(JSON.parse(missing.body)).toMatchObject({ response_type: 'ephemeral' });
    expect(bodyText(missing.body)).toMatch(/deploy: invalid arguments/);
    expect(bodyText(missing.body)).toMatch(/Usage: voxoz deploy/);

    const unknownApp = await sim.sendSlashCommand(url, { text: 'deploy nosuchapp' });
    expect(bodyText(unknownApp.body)).toMatch(/nosuchapp/);
    expect(bodyText(unknownApp.body)).toMatch(/hello/);

    const typo = await sim.sendSlashCommand(url, { text: 'depoy hello' });
    expect(bodyText(typo.body)).toMatch(/unknown command/);
    expect(bodyText(typo.body)).toMatch(/deploy/);
    expect(await jobIds(inject('redisUrl'), voxoz.queueName)).toEqual([]);
  });

  it('deploys hello: ack, parent edited in place, threaded log, log file, live app', async () => {
    const ack = await sim.sendSlashCommand(url, { text: 'deploy hello', trigger_id: 'trig-deploy-1' });
    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(1000);
    expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral' });
    expect(bodyText(ack.body)).toContain('queued');
    const jobId = 'slack-trig-deploy-1';

    const parent = await waitFor('the parent message', () => parentOf(sim, jobId));
    const final = await waitFor(
      'the parent to say live',
      () => {
        const m = sim.message(C, parent.ts);
        return /live/.test(shown(m)) ? m : undefined;
      },
      90_000,
    );
    expect(shown(final)).toMatch(/hello v1 live \(1\/1 healthy\)/);
    expect(shown(final)).toMatch(/✓ build .*✓ deploy/);
    expect(JSON.stringify(final.blocks)).not.toContain('"actions"');
    // Edited in place: queued first, then progress, then the result; never a second parent.
    expect(shown({ ...final, text: final.edits[0]!.text, blocks: final.edits[0]!.blocks })).toMatch(/queued/);
    expect(final.edits.length).toBeGreaterThanOrEqual(1);
    expect(
      sim
        .messages(C)
        .filter(
          (m) => JSON.stringify(m.blocks ?? []).includes(jobId) || m.edits.some((e) => JSON.stringify(e.blocks ?? []).includes(jobId)),
        ),
    ).toHaveLength(1);

    const file = await waitFor('the log file in the thread', () => sim.files(C, parent.ts)[0]);
    const log = file.content!.toString('utf8');
    expect(log).toMatch(/hello v1 listening|Step|COPY|build/i);
    const replies = sim.thread(C, parent.ts);
    expect(replies.filter((m) => m.fileIds.length === 0).length).toBeGreaterThanOrEqual(1);
    expect(replies.at(-1)?.fileIds).toEqual([file.id]);
    expect(sim.callsTo('files.getUploadURLExternal').filter((c) => c.ok)).toHaveLength(1);
    expect(sim.callsTo('files.completeUploadExternal').filter((c) => c.ok)).toHaveLength(1);

    const page = await fetch(`http://127.0.0.1:${voxoz.appPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/hello/i);
  }, 120_000);

  it('Cancel: a stranger is refused; the requester cancels a queued and a running job', async () => {
    await sim.sendSlashCommand(url, { text: 'deploy slow', trigger_id: 'trig-slow' });
    const slowParent = await waitFor(
      'slow running',
      () => {
        const m = parentOf(sim, 'slack-trig-slow');
        return m && /deploying|building/.test(shown(m)) ? m : undefined;
      },
      60_000,
    );
    await sim.sendSlashCommand(url, { text: 'deploy hello', trigger_id: 'trig-queued' });
    const queuedParent = await waitFor('queued parent', () => parentOf(sim, 'slack-trig-queued'));
    expect(shown(queuedParent)).toMatch(/queued/);

    const stranger = await sim.sendBlockAction(url, { message_ts: queuedParent.ts, action_id: 'cancel', user: 'U0BOB' });
    expect(stranger.status).toBe(200);
    const refusal = await waitFor('the refusal', () => sim.responses(stranger.responseUrlId!)[0]);
    expect(refusal).toMatchObject({ status: 200, body: { response_type: 'ephemeral', replace_original: false } });
    expect(bodyText(refusal.body)).toMatch(/not allowed/);
    expect(bodyText(refusal.body)).toMatch(/only alice/);

    const mine = await sim.sendBlockAction(url, { message_ts: queuedParent.ts, action_id: 'cancel', user: 'U0ALICE' });
    const answer = await waitFor('the cancel answer', () => sim.responses(mine.responseUrlId!)[0]);
    expect(bodyText(answer.body)).toMatch(/removed from the queue/);
    await waitFor('queued job cancelled', () => /cancelled by alice/.test(shown(sim.message(C, queuedParent.ts))));

    // A redelivery of that click is the same decision; a second click is a click of its own and finds nothing to cancel.
    const redelivered = await sim.sendBlockAction(url, {
      message_ts: queuedParent.ts,
      action_id: 'cancel',
      user: 'U0ALICE',
      allowUnknown: true,
      action_ts: mine.actionTs,
    });
    expect(bodyText((await waitFor('redelivery answer', () => sim.responses(redelivered.responseUrlId!)[0])).body)).toMatch(
      /already handled/,
    );
    const again = await sim.sendBlockAction(url, { message_ts: queuedParent.ts, action_id: 'cancel', user: 'U0ALICE', allowUnknown: true });
    expect(again.actionTs).not.toBe(mine.actionTs);
    expect(bodyText((await waitFor('second click answer', () => sim.responses(again.responseUrlId!)[0])).body)).toMatch(
      /no longer in the queue|already finished|there is no job/,
    );

    const stop = await sim.sendBlockAction(url, { message_ts: slowParent.ts, action_id: 'cancel', user: 'U0ALICE' });
    expect(bodyText((await waitFor('the stop answer', () => sim.responses(stop.responseUrlId!)[0])).body)).toMatch(/stopping/);
    const done = await waitFor(
      'running job cancelled',
      () => {
        const m = sim.message(C, slowParent.ts);
        return /cancelled by alice/.test(shown(m)) ? m : undefined;
      },
      60_000,
    );
    expect(JSON.stringify(done.blocks)).not.toContain('"actions"');
    // Edited in place through its phases, one message all along.
    const phases = [...done.edits.map((e) => shown({ ...done, text: e.text, blocks: e.blocks })), shown(done)].map(
      (t) => /queued|building|deploying|cancelled/.exec(t)?.[0],
    );
    expect(phases[0]).toBe('queued');
    expect(phases).toContain('deploying');
    expect(phases.at(-1)).toBe('cancelled');
  }, 120_000);

  it('refuses forged, tampered, unsigned, stale and future requests with 401, and queues nothing', async () => {
    const before = await jobIds(inject('redisUrl'), voxoz.queueName);
    // Times are taken at the moment of each request, with 100 s margins outside the window.
    const nowS = () => Math.floor(Date.now() / 1000);
    const fields = (t: string) => new URLSearchParams(sim.slashCommandPayload({ text: 'deploy hello', trigger_id: t }).fields).toString();
    expect((await sim.sendSlashCommand(url, { text: 'deploy hello' }, { secret: 'not-the-secret' })).status).toBe(401);
    expect((await sim.sendSlashCommand(url, { text: 'deploy hello' }, { signature: `v0=${'0'.repeat(64)}` })).status).toBe(401);
    // One byte changed after signing.
    const body = fields('trig-tamper');
    const signed = sim.sign(body);
    const tampered = body.replace('deploy+hello', 'deploy+hellp');
    expect(tampered).not.toBe(body);
    expect((await sim.sendSigned(url, tampered, FORM, { timestamp: signed.timestamp, signature: signed.signature })).status).toBe(401);
    expect((await sim.sendSigned(url, body, FORM, { headers: { 'x-slack-signature': null } })).status).toBe(401);
    expect((await sim.sendSigned(url, body, FORM, { headers: { 'x-slack-request-timestamp': null } })).status).toBe(401);
    expect(
      (await sim.sendSigned(url, body, FORM, { headers: { 'x-slack-signature': null, 'x-slack-request-timestamp': null } })).status,
    ).toBe(401);
    expect((await sim.sendSigned(url, body, FORM, { timestamp: nowS() - 400 })).status).toBe(401);
    expect((await sim.sendSigned(url, body, FORM, { timestamp: nowS() + 400 })).status).toBe(401);
    // ssl_check: bare → the empty 200 Slack expects; carrying a command → never a job.
    const bare = await sim.sslCheck(url);
    expect(bare).toMatchObject({ status: 200, body: '' });
    const smuggled = `ssl_check=1&${fields('trig-ssl')}`;
    const signedSmuggle = await sim.sendSigned(url, smuggled, FORM);
    expect([200, 401]).toContain(signedSmuggle.status);
    expect(signedSmuggle.body).toBe('');
    const unsignedSmuggle = await sim.sendSigned(url, smuggled, FORM, {
      headers: { 'x-slack-signature': null, 'x-slack-request-timestamp': null },
    });
    expect([200, 401]).toContain(unsignedSmuggle.status);
    expect(unsignedSmuggle.body).toBe('');
    expect((await fetch(url)).status).toBe(405);
    await new Promise((r) => setTimeout(r, 300));
    expect(await jobIds(inject('redisUrl'), voxoz.queueName)).toEqual(before);
  });

  it('turns a retried delivery into one job (slash command and app_mention event)', async () => {
    const first = await sim.sendSlashCommand(url, { text: 'status hello', trigger_id: 'trig-retry' });
    const retry = await sim.sendSlashCommand(
      url,
      { text: 'status hello', trigger_id: 'trig-retry' },
      { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } },
    );
    expect([first.status, retry.status]).toEqual([200, 200]);
    const event = { type: 'app_mention', user: 'U0ALICE', text: `<@${sim.botUserId}> status hello`, channel: C, ts: '1700000000.000200' };
    const e1 = await sim.sendEvent(url, event);
    const e2 = await sim.sendEvent(url, event, { eventId: e1.eventId, retryNum: 1 });
    const e3 = await sim.sendEvent(url, event, { eventId: e1.eventId, retryNum: 2, retryReason: 'http_error' });
    expect([e1.status, e2.status, e3.status]).toEqual([200, 200, 200]);
    await waitFor('both parents', () => parentOf(sim, 'slack-trig-retry') && parentOf(sim, `slack-${e1.eventId}`));
    await new Promise((r) => setTimeout(r, 1000));
    const ids = await jobIds(inject('redisUrl'), voxoz.queueName);
    expect(ids.filter((id) => id === 'slack-trig-retry')).toHaveLength(1);
    expect(ids.filter((id) => id.startsWith('slack-Ev'))).toEqual([`slack-${e1.eventId}`]);
    for (const id of ['slack-trig-retry', `slack-${e1.eventId}`]) {
      expect(sim.messages(C).filter((m) => JSON.stringify([m.blocks, m.edits]).includes(`"${id}"`))).toHaveLength(1);
    }
    // The mention was answered once, ephemerally, to its author.
    expect(sim.ephemerals().filter((e) => e.user === 'U0ALICE' && /queued/.test(e.text))).toHaveLength(1);
  }, 60_000);
});
