import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { ErrorCode, WebClient } from '@slack/web-api';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';

const noop = () => undefined;
/** Silent logger: WebClient logs Slack's response_metadata warnings even at ERROR level. */
const logger = { debug: noop, info: noop, warn: noop, error: noop, setLevel: noop, setName: noop, getLevel: () => LogLevel.ERROR };
const quiet = { logger };
const C = 'C0DEPLOY';

/** Runs a Web API call expected to fail; returns the Slack error code. */
async function slackError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as { code?: string; data?: { error?: string } },
  );
  expect(err?.code).toBe(ErrorCode.PlatformError);
  return err?.data?.error ?? 'no error';
}

/** Fails fast instead of hanging until the test timeout. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(t));
}

/** Polls `cond` every 10 ms for up to 5 s. */
async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, action_id = 'a', value = 'v') => ({
  type: 'actions',
  elements: [{ type: 'button', text: { type: 'plain_text', text }, action_id, value }],
});

describe('slack-sim Web API with the real WebClient', () => {
  let sim: SlackSimulator;
  let web: WebClient;
  beforeAll(async () => {
    // Rate limits are tested on their own below; here many posts go to one channel.
    sim = await startSlackSimulator({ rateLimits: { postMessagePerChannel: 'unlimited', update: 'unlimited' } });
    web = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, ...quiet });
  });
  afterAll(async () => {
    expect(sim.errors).toEqual([]);
    await sim.close();
  });

  it('checks tokens and knows its methods', async () => {
    const auth = await web.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: sim.botUserId, team_id: sim.teamId, bot_id: sim.botId });
    const bad = new WebClient('xoxb-wrong', { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, ...quiet });
    expect(await slackError(bad.auth.test())).toBe('invalid_auth');
    const none = new WebClient(undefined, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, ...quiet });
    expect(await slackError(none.chat.postMessage({ channel: C, text: 'x' }))).toBe('not_authed');
    expect(await slackError(web.apiCall('chat.nonsense'))).toBe('unknown_method');
    expect(await slackError(web.apps.connections.open())).toBe('not_allowed_token_type');
    const raw = await fetch(`${sim.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.botToken}`, 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ ok: false, error: 'invalid_json' });
  });

  it('posts, threads and updates messages with history', async () => {
    const parent = await web.chat.postMessage({ channel: C, text: 'deploying', blocks: [section('*deploying*'), button('Approve')] });
    const reply1 = await web.chat.postMessage({ channel: C, thread_ts: parent.ts, text: 'line 1' });
    const reply2 = await web.chat.postMessage({ channel: C, thread_ts: parent.ts, text: 'line 2' });
    expect(Number(reply1.ts)).toBeGreaterThan(Number(parent.ts));
    expect(Number(reply2.ts)).toBeGreaterThan(Number(reply1.ts));
    await web.chat.update({ channel: C, ts: parent.ts!, text: 'deployed' });
    const stored = sim.message(C, parent.ts!);
    expect(stored?.text).toBe('deployed');
    expect(stored?.edits.map((e) => e.text)).toEqual(['deploying']);
    expect(sim.thread(C, parent.ts!).map((m) => m.text)).toEqual(['line 1', 'line 2']);
    expect(sim.messages(C).map((m) => m.ts)).toContain(parent.ts);
    expect(sim.messages(C).map((m) => m.ts)).not.toContain(reply1.ts);
    expect(sim.callsTo('chat.postMessage').find((c) => c.ok)?.args.blocks).toHaveLength(2);
    expect(await slackError(web.chat.postMessage({ channel: C, thread_ts: reply1.ts!, text: 'x' }))).toBe('thread_not_found');
    expect(await slackError(web.chat.postMessage({ channel: C, thread_ts: '1.000001', text: 'x' }))).toBe('thread_not_found');
    const eph = await web.chat.postEphemeral({ channel: C, user: 'U0ALICE', text: 'only you' });
    expect(eph.ok).toBe(true);
    expect(sim.ephemerals().at(-1)).toMatchObject({ user: 'U0ALICE', text: 'only you' });
    expect(await slackError(web.chat.postEphemeral({ channel: C, user: 'U0NOBODY', text: 'x' }))).toBe('user_not_found');
    const info = await web.conversations.info({ channel: C });
    expect(info.channel?.name).toBe('deploys');
  });

  it('validates like Slack', async () => {
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => web.chat.postMessage({ channel: 'C0NOPE', text: 'x' }), 'channel_not_found'],
      [() => web.chat.postMessage({ channel: C, text: '' }), 'no_text'],
      [() => web.chat.postMessage({ channel: C, text: 'x'.repeat(40_001) }), 'msg_too_long'],
      [
        () => web.chat.postMessage({ channel: C, text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }),
        'invalid_blocks',
      ],
      [() => web.chat.postMessage({ channel: C, text: 'x', blocks: [section('s'.repeat(3_001))] }), 'invalid_blocks'],
      [
        () =>
          web.chat.postMessage({
            channel: C,
            text: 'x',
            blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
          }),
        'invalid_blocks',
      ],
      [() => web.chat.postMessage({ channel: C, text: 'x', blocks: [button('b'.repeat(76))] }), 'invalid_blocks'],
      [() => web.chat.postMessage({ channel: C, text: 'x', blocks: [button('ok', 'i'.repeat(256))] }), 'invalid_blocks'],
      [() => web.chat.postMessage({ channel: C, text: 'x', blocks: [button('ok', 'a', 'v'.repeat(2_001))] }), 'invalid_blocks'],
      [() => web.chat.postMessage({ channel: C, text: 'x', blocks: [{ type: 'marquee' }] as never }), 'invalid_blocks'],
      [() => web.apiCall('chat.postMessage', { channel: C, text: 'x', blocks: '[{' }), 'invalid_blocks'],
      [() => web.chat.update({ channel: C, ts: '1.000001', text: 'x' }), 'message_not_found'],
      [() => web.files.getUploadURLExternal({ filename: 'a.txt' } as never), 'invalid_arguments'],
    ];
    for (const [call, code] of cases) expect(await slackError(call())).toBe(code);
    const ok = await web.chat.postMessage({ channel: C, text: 'x'.repeat(40_000), blocks: [section('s'.repeat(3_000))] });
    await web.chat.update({ channel: C, ts: ok.ts!, text: 'u'.repeat(4_000) });
    expect(await slackError(web.chat.update({ channel: C, ts: ok.ts!, text: 'u'.repeat(4_001) }))).toBe('msg_too_long');
    const err = await web.chat
      .postMessage({ channel: C, text: 'x', blocks: [section('s'.repeat(3_001))] })
      .catch((e: { data: unknown }) => e.data);
    expect(JSON.stringify(err)).toContain('/blocks/0/text/text');
  });

  it('uploads files into a thread via getUploadURLExternal + upload + complete', async () => {
    const parent = await web.chat.postMessage({ channel: C, text: 'build' });
    const content = 'step 1\nstep 2\n'.repeat(500);
    const res = await web.filesUploadV2({ channel_id: C, thread_ts: parent.ts!, filename: 'build.log', title: 'Build log', content });
    expect(res.ok).toBe(true);
    const [file] = sim.files(C, parent.ts!);
    expect(file?.content?.toString('utf8')).toBe(content);
    expect(file).toMatchObject({ title: 'Build log', filename: 'build.log', length: Buffer.byteLength(content) });
    expect(sim.thread(C, parent.ts!)[0]?.fileIds).toEqual([file?.id]);

    // Completing before uploading, or with the wrong size, is refused.
    const early = await web.files.getUploadURLExternal({ filename: 'x.txt', length: 3 });
    expect(await slackError(web.files.completeUploadExternal({ files: [{ id: early.file_id! }], channel_id: C }))).toBe('file_not_found');
    await fetch(early.upload_url!, { method: 'POST', body: 'abcd' });
    expect(await slackError(web.files.completeUploadExternal({ files: [{ id: early.file_id! }], channel_id: C }))).toBe(
      'invalid_arguments',
    );
  });

  it('answers 429 with Retry-After and counts breaches', async () => {
    const limited = await startSlackSimulator({
      rateLimits: {
        postMessagePerChannel: { burst: 2, perMinute: 60 },
        update: { burst: 2, perMinute: 50 },
        methods: { 'conversations.info': 'always429' },
      },
    });
    try {
      const log = new WebClient(limited.botToken, {
        slackApiUrl: limited.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        ...quiet,
      });
      const a = await log.chat.postMessage({ channel: C, text: '1' });
      await log.chat.postMessage({ channel: C, text: '2' });
      const err = await log.chat.postMessage({ channel: C, text: '3' }).catch((e: { code: string; retryAfter: number }) => e);
      expect(err).toMatchObject({ code: ErrorCode.RateLimitedError });
      expect((err as { retryAfter: number }).retryAfter).toBeGreaterThanOrEqual(1);
      await log.chat.postMessage({ channel: 'C0OPS', text: 'other channel has its own budget' });
      const b = await log.chat.postMessage({ channel: 'C0OPS', text: '2' });
      // chat.update is one workspace-wide budget across channels.
      await log.chat.update({ channel: C, ts: a.ts!, text: 'u1' });
      await log.chat.update({ channel: 'C0OPS', ts: b.ts!, text: 'u2' });
      await expect(log.chat.update({ channel: C, ts: a.ts!, text: 'u3' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError });
      await expect(log.conversations.info({ channel: C })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError });
      expect(limited.breaches()).toBe(3);
      expect(limited.breachesByMethod()).toEqual({ 'chat.postMessage': 1, 'chat.update': 1, 'conversations.info': 1 });
      expect(limited.calls.filter((c) => c.status === 429)).toHaveLength(3);
    } finally {
      await limited.close();
    }
  });
});

describe('slack-sim with a real Bolt App over HTTP', () => {
  let sim: SlackSimulator;
  let app: App;
  let url: string;
  const seen: string[] = [];
  beforeAll(async () => {
    sim = await startSlackSimulator();
    app = new App({
      token: sim.botToken,
      signingSecret: sim.signingSecret,
      ...quiet,
      clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/voxoz', async ({ command, ack, respond }) => {
      await ack();
      seen.push(command.text);
      await respond({ text: `queued: ${command.text}` });
    });
    app.event('app_mention', async ({ event }) => {
      seen.push(`mention ${event.text}`);
    });
    app.action('approve', async ({ ack, action }) => {
      await ack();
      seen.push(`approved ${(action as { value?: string }).value}`);
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await app.stop();
    expect(sim.errors).toEqual([]);
    await sim.close();
  });

  it('delivers a signed slash command; the app acks and responds', async () => {
    const r = await sim.sendSlashCommand(url, { text: 'deploy myapp' });
    expect(r.status).toBe(200);
    expect(seen).toContain('deploy myapp');
    await waitFor(() => sim.responses(r.responseUrlId!).length > 0);
    expect(sim.responses(r.responseUrlId!)[0]).toMatchObject({ status: 200, body: { text: 'queued: deploy myapp' } });
  });

  it('rejects forged, tampered and stale signatures with 401', async () => {
    expect((await sim.sendSlashCommand(url, { text: 'x' }, { secret: 'wrong' })).status).toBe(401);
    expect((await sim.sendSlashCommand(url, { text: 'x' }, { signature: 'v0=deadbeef' })).status).toBe(401);
    expect((await sim.sendSlashCommand(url, { text: 'x' }, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    expect((await sim.sendSlashCommand(url, { text: 'x' }, { headers: { 'x-slack-signature': null } })).status).toBe(401);
    expect(seen).not.toContain('x');
    expect((await sim.sslCheck(url)).status).toBe(200);
    expect(JSON.parse((await sim.urlVerification(url, 'chal-1')).body)).toEqual({ challenge: 'chal-1' });
  });

  it('delivers signed events, including a retry with the same event_id', async () => {
    const event = { type: 'app_mention', user: 'U0ALICE', text: 'hi', channel: C, ts: '1700000000.000100' };
    const first = await sim.sendEvent(url, event);
    expect(first.status).toBe(200);
    const retry = await sim.sendEvent(url, event, { eventId: first.eventId, retryNum: 1 });
    expect(retry.status).toBe(200);
    // Bolt does not deduplicate retries (the adapter must): both were handled.
    await waitFor(() => seen.filter((s) => s === 'mention hi').length >= 2);
    expect(seen.filter((s) => s === 'mention hi')).toHaveLength(2);
  });

  it('delivers a block action for a button the bot posted', async () => {
    const msg = await app.client.chat.postMessage({ channel: C, text: 'approve?', blocks: [button('Approve', 'approve', 'rb-7')] });
    const r = await sim.sendBlockAction(url, { message_ts: msg.ts!, action_id: 'approve', user: 'U0BOB' });
    expect(r.status).toBe(200);
    expect(seen).toContain('approved rb-7');
    expect(() => sim.blockActionPayload({ message_ts: msg.ts!, action_id: 'nope' })).toThrow(/no button/);
  });
});

describe('slack-sim Socket Mode with a real Bolt App', () => {
  it('delivers envelopes, gets acks and survives a disconnect', async () => {
    const sim = await startSlackSimulator();
    const receiver = new SocketModeReceiver({
      appToken: sim.appToken,
      ...quiet,
      // Reconnect delay is clientPingTimeout × failures; keep it short for the test.
      clientPingTimeout: 300,
      installerOptions: { clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } } },
    });
    const app = new App({
      token: sim.botToken,
      receiver,
      ...quiet,
      clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/voxoz', async ({ command, ack }) => {
      await ack({ response_type: 'ephemeral', text: `ok: ${command.text}` });
    });
    try {
      await within(app.start(), 5_000, 'Socket Mode start (hello)');
      expect(sim.connections()).toEqual({ open: 1, total: 1 });
      const ack = await sim.sendEnvelope('slash_commands', sim.slashCommandPayload({ text: 'status myapp' }).fields);
      expect(ack.payload).toMatchObject({ text: 'ok: status myapp' });

      const reconnected = new Promise((r) => receiver.client.once('connected', r));
      sim.disconnect();
      await within(reconnected, 5_000, 'reconnect after disconnect');
      await sim.waitForConnection(2);
      expect(sim.connections()).toEqual({ open: 1, total: 2 });
      const again = await sim.sendEnvelope('slash_commands', sim.slashCommandPayload({ text: 'again' }).fields);
      expect(again.payload).toMatchObject({ text: 'ok: again' });
      expect(sim.socket.strayMessages).toEqual([]);
    } finally {
      await app.stop();
      await sim.waitForNoConnections();
      await sim.close();
    }
  });
});
