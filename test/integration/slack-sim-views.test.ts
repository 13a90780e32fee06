import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackSimulator, TRIGGER_LIFETIME_MS, type SlackSimulator } from '../support/slack-sim/index.ts';

/*
 * The simulator's modals, checked against the real WebClient and Bolt: views.open refuses what
 * Slack refuses (trigger_id unknown, used, older than 3 s; a view outside the limits), and a
 * view_submission reaches Bolt's app.view() signed (HTTP) or in an envelope (Socket Mode), with
 * the ack read as Slack reads it.
 */
const noop = () => undefined;
const logger = { debug: noop, info: noop, warn: noop, error: noop, setLevel: noop, setName: noop, getLevel: () => LogLevel.ERROR };
const C = 'C0DEPLOY';
const input = (over: Record<string, unknown> = {}) => ({
  type: 'input',
  block_id: 'why',
  optional: true,
  label: { type: 'plain_text', text: 'Reason' },
  element: { type: 'plain_text_input', action_id: 'reason', max_length: 50 },
  ...over,
});
const modal = (over: Record<string, unknown> = {}) => ({
  type: 'modal',
  callback_id: 'cb',
  title: { type: 'plain_text', text: 'Reject' },
  submit: { type: 'plain_text', text: 'Reject' },
  private_metadata: 'apv-1',
  blocks: [input()],
  ...over,
});

async function slackError(p: Promise<unknown>): Promise<{ error: string; messages: string[] }> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; data?: { error?: string; response_metadata?: { messages?: string[] } } } | undefined;
  expect(err?.code).toBe(ErrorCode.PlatformError);
  return { error: err?.data?.error ?? 'none', messages: err?.data?.response_metadata?.messages ?? [] };
}

describe('slack-sim modals with the real WebClient and Bolt over HTTP', () => {
  let sim: SlackSimulator;
  let app: App;
  let url: string;
  let web: WebClient;
  const submitted: Array<{ user: string; meta: string; values: unknown }> = [];
  let answer: Record<string, unknown> | undefined;
  beforeAll(async () => {
    sim = await startSlackSimulator();
    web = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger });
    app = new App({
      token: sim.botToken,
      signingSecret: sim.signingSecret,
      logger,
      clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
    });
    app.view('cb', async ({ ack, view, body }) => {
      submitted.push({ user: body.user.id, meta: view.private_metadata, values: view.state.values });
      await ack(answer as never);
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await app.stop();
    expect(sim.errors).toEqual([]);
    await sim.close();
  });

  /** A trigger_id as a click on a bot message's button would carry it, issued to `user`. */
  let buttonTs: string | undefined;
  const trigger = async (user = 'U0BOB') => {
    buttonTs ??= (
      await web.chat.postMessage({
        channel: C,
        text: 'x',
        blocks: [
          {
            type: 'actions',
            elements: [{ type: 'button', action_id: 'reject', value: 'v', text: { type: 'plain_text', text: 'Reject' } }],
          },
        ],
      })
    ).ts!;
    return String(sim.blockActionPayload({ message_ts: buttonTs, action_id: 'reject', user }).payload.trigger_id);
  };

  it('views.open refuses an unknown, reused or expired trigger_id and a view outside the limits', async () => {
    expect((await slackError(web.views.open({ trigger_id: '123.456.abc', view: modal() as never }))).error).toBe('invalid_trigger_id');
    const bad = async (view: Record<string, unknown>) => slackError(web.views.open({ trigger_id: await trigger(), view: view as never }));
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [modal({ title: { type: 'plain_text', text: 'x'.repeat(25) } }), /less than 25 characters \[json-pointer:\/view\/title\/text\]/],
      [modal({ title: { type: 'mrkdwn', text: 'Reject' } }), /plain_text object \[json-pointer:\/view\/title\]/],
      [modal({ type: 'home' }), /\/view\/type/],
      [modal({ submit: undefined }), /must provide submit/],
      [modal({ submit: { type: 'plain_text', text: 's'.repeat(25) } }), /\/view\/submit\/text/],
      [modal({ callback_id: 'c'.repeat(256) }), /\/view\/callback_id/],
      [modal({ private_metadata: 'm'.repeat(3001) }), /\/view\/private_metadata/],
      [
        modal({ blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }),
        /no more than 100 items allowed \[json-pointer:\/view\/blocks\]/,
      ],
      [
        modal({ blocks: [input({ element: { type: 'plain_text_input', action_id: 'r', max_length: 3001 } })] }),
        /\/view\/blocks\/0\/element\/max_length/,
      ],
      [modal({ blocks: [input({ label: { type: 'plain_text', text: 'l'.repeat(2001) } })] }), /\/view\/blocks\/0\/label\/text/],
      [
        modal({ blocks: [input({ element: { type: 'button', action_id: 'b', text: { type: 'plain_text', text: 'b' } } })] }),
        /not an input element/,
      ],
    ];
    for (const [view, problem] of cases) {
      const refused = await bad(view);
      expect(refused.error).toBe('invalid_arguments');
      expect(refused.messages.join('\n')).toMatch(problem);
    }
    const once = await trigger();
    expect((await web.views.open({ trigger_id: once, view: modal() as never })).ok).toBe(true);
    expect((await slackError(web.views.open({ trigger_id: once, view: modal() as never }))).error).toBe('exchanged_trigger_id');
    const late = await trigger();
    await new Promise((r) => setTimeout(r, TRIGGER_LIFETIME_MS + 200));
    expect((await slackError(web.views.open({ trigger_id: late, view: modal() as never }))).error).toBe('expired_trigger_id');
  }, 15_000);

  it('delivers a signed view_submission to app.view(); an empty ack closes the modal, errors keep it open', async () => {
    const opened = await web.views.open({ trigger_id: await trigger('U0BOB'), view: modal() as never });
    const viewId = opened.view!.id!;
    expect(sim.views().find((v) => v.id === viewId)).toMatchObject({ user: 'U0BOB', state: 'open' });
    // What the user could not send: a value over max_length, an input the modal lacks, someone else's modal.
    expect(() => sim.viewSubmissionPayload({ view_id: viewId, values: { reason: 'r'.repeat(51) } })).toThrow(/0\.\.50 characters/);
    expect(() => sim.viewSubmissionPayload({ view_id: viewId, values: { other: 'x' } })).toThrow(/no input "other"/);
    expect(() => sim.viewSubmissionPayload({ view_id: viewId, user: 'U0ALICE' })).toThrow(/opened for U0BOB/);
    const forged = await sim.sendViewSubmission(url, { view_id: viewId, values: { reason: 'x' } }, { secret: 'wrong' });
    expect(forged.status).toBe(401);
    expect(forged.result.outcome).toBe('failed');

    answer = { response_action: 'errors', errors: { why: 'say more' } };
    const kept = await sim.sendViewSubmission(url, { view_id: viewId, values: { reason: 'too short' } });
    expect(kept.result.outcome).toBe('errors');
    answer = undefined;
    const closed = await sim.sendViewSubmission(url, { view_id: viewId });
    expect(closed.result).toMatchObject({ outcome: 'closed' });
    expect(submitted.at(-1)).toEqual({
      user: 'U0BOB',
      meta: 'apv-1',
      values: { why: { reason: { type: 'plain_text_input', value: null } } },
    });
    expect(submitted.at(-2)?.values).toEqual({ why: { reason: { type: 'plain_text_input', value: 'too short' } } });
    expect(() => sim.viewSubmissionPayload({ view_id: viewId })).toThrow(/closed/);

    const required = await web.views.open({ trigger_id: await trigger(), view: modal({ blocks: [input({ optional: false })] }) as never });
    expect(() => sim.viewSubmissionPayload({ view_id: required.view!.id! })).toThrow(/"Reason" is required/);
    answer = { response_action: 'errors', errors: { nosuchblock: 'x' } };
    expect((await sim.sendViewSubmission(url, { view_id: required.view!.id!, values: { reason: 'r' } })).result).toMatchObject({
      outcome: 'failed',
      problem: 'errors must name input block_ids',
    });
    answer = undefined;
  });
});

describe('slack-sim modals over Socket Mode with a real Bolt App', () => {
  it('delivers a view_submission envelope; the ack closes the modal', async () => {
    const sim = await startSlackSimulator();
    const receiver = new SocketModeReceiver({
      appToken: sim.appToken,
      logger,
      clientPingTimeout: 300,
      installerOptions: { clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } } },
    });
    const app = new App({ token: sim.botToken, receiver, logger, clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } } });
    const reasons: Array<string | null | undefined> = [];
    app.action('reject', async ({ ack, body, client }) => {
      await ack();
      await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: modal() as never });
    });
    app.view('cb', async ({ ack, view }) => {
      reasons.push(view.state.values.why?.reason?.value);
      await ack();
    });
    try {
      await app.start();
      const posted = await app.client.chat.postMessage({
        channel: C,
        text: 'x',
        blocks: [
          {
            type: 'actions',
            elements: [{ type: 'button', action_id: 'reject', value: 'v', text: { type: 'plain_text', text: 'Reject' } }],
          },
        ],
      });
      await sim.sendEnvelope('interactive', sim.blockActionPayload({ message_ts: posted.ts!, action_id: 'reject', user: 'U0BOB' }).payload);
      for (let i = 0; i < 100 && sim.views().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      const [view] = sim.views();
      expect(view).toMatchObject({ user: 'U0BOB', state: 'open' });
      expect(await sim.sendViewSubmissionEnvelope({ view_id: view!.id, values: { reason: 'v5 has the login bug' } })).toMatchObject({
        outcome: 'closed',
      });
      expect(reasons).toEqual(['v5 has the login bug']);
      expect(sim.views()[0]!.state).toBe('closed');
    } finally {
      await app.stop();
      await sim.waitForNoConnections();
      await sim.close();
    }
  });
});
