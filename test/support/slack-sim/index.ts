/**
 * Slack simulator for tests: Web API over HTTP, file upload URLs, response_urls, modals
 * (views.open and view submissions), Socket Mode and signed inbound requests, all on 127.0.0.1. Real `@slack/bolt` / `@slack/web-api` run
 * against it via `clientOptions: { slackApiUrl: sim.apiUrl }`. It checks what Slack checks
 * (tokens, arguments, Block Kit limits, threads, uploads, rate limits) so tests can fail.
 *
 *   const sim = await startSlackSimulator();
 *   const app = new App({ token: sim.botToken, signingSecret: sim.signingSecret,
 *     clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } } });
 *   ...
 *   await sim.close();
 */
import { startServer } from './server.ts';
import * as inbound from './inbound.ts';
import { blockActionPayload, eventPayload, slashCommandPayload, type BlockActionInput, type SlashCommandInput } from './payloads.ts';
import { RateLimiter } from './rate-limit.ts';
import { sendSigned, slackSignature } from './signing.ts';
import { SocketHub, type EnvelopeOptions } from './socket-mode.ts';
import { Store } from './store.ts';
import { readViewAck, viewSubmissionPayload, type ViewSubmissionInput } from './view-submission.ts';
import type { SimConfig, SimContext } from './context.ts';
import type {
  EnvelopeType,
  InboundResult,
  RateLimitOptions,
  RecordedCall,
  ResponseUrlPost,
  SignOptions,
  SlackSimOptions,
  SocketAck,
  StoredEphemeral,
  StoredFile,
  StoredMessage,
  StoredView,
  ViewSubmissionResult,
} from './types.ts';

export type * from './types.ts';
export type { BlockActionInput, SlashCommandInput } from './payloads.ts';
export type { EnvelopeOptions } from './socket-mode.ts';
export type { EventOptions, InboundWithResponse } from './inbound.ts';
export type { ViewSubmissionInput } from './view-submission.ts';
export { TRIGGER_LIFETIME_MS } from './methods-views.ts';
export { slackSignature } from './signing.ts';
export { POST_TEXT_MAX, UPDATE_TEXT_MAX } from './methods-chat.ts';

/** A running simulator. All URLs are on 127.0.0.1. */
export interface SlackSimulator {
  /** Web API base for `slackApiUrl`, e.g. `http://127.0.0.1:PORT/api/`. */
  readonly apiUrl: string;
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly baseUrl: string;
  readonly botToken: string;
  readonly appToken: string;
  readonly signingSecret: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly apiAppId: string;
  /** Known channel ids; the first is C0DEPLOY with the defaults. */
  readonly channels: string[];
  /** Known human user ids (U0ALICE, U0BOB by default). */
  readonly users: string[];
  /** Every Web API call, in arrival order, including refused and rate-limited ones. */
  readonly calls: RecordedCall[];
  /** Internal handler failures (should stay empty). */
  readonly errors: Error[];

  /** Calls to one method. */
  callsTo(method: string): RecordedCall[];
  /** Top-level messages of a channel (plus broadcast replies), oldest first. */
  messages(channel: string): StoredMessage[];
  /** Every message of a channel, replies included. */
  allMessages(channel: string): StoredMessage[];
  /** Replies in a thread (parent excluded), oldest first. */
  thread(channel: string, ts: string): StoredMessage[];
  /** One message (top level or reply). */
  message(channel: string, ts: string): StoredMessage | undefined;
  /** Completed files shared in a channel (optionally one thread), with their bytes. */
  files(channel: string, threadTs?: string): StoredFile[];
  /** Any file by id, completed or not. */
  file(id: string): StoredFile | undefined;
  /** Ephemeral messages, oldest first. */
  ephemerals(): StoredEphemeral[];
  /** What the app POSTed to a response_url (id from a send helper's `responseUrlId`). */
  responses(responseUrlId: string): ResponseUrlPost[];
  /** Modals opened with views.open, oldest first (open and closed). */
  views(): StoredView[];

  /** Count of 429s sent (all methods, or one). */
  breaches(method?: string): number;
  /** 429s per method. */
  breachesByMethod(): Record<string, number>;
  /** Replaces the rate limits (buckets restart full). */
  setRateLimits(limits: RateLimitOptions): void;
  /** Makes the next `times` calls of `method` (that pass auth and limits) fail with `error`. */
  failNext(method: string, error: string, times?: number): void;

  /** Computes `X-Slack-Signature` for a body (timestamp default now). */
  sign(rawBody: string, timestamp?: number): { timestamp: number; signature: string };
  /** Raw signed POST; forge/age/drop/add headers through `opts`. */
  sendSigned(url: string, body: string, contentType: string, opts?: SignOptions): Promise<InboundResult>;
  /** Signed slash command (form). Defaults: `/voxoz`, U0ALICE, C0DEPLOY, response_url on the simulator. */
  sendSlashCommand(url: string, input?: SlashCommandInput, sign?: SignOptions): Promise<inbound.InboundWithResponse>;
  /** Signed block_actions for a button on a stored message (throws if Slack could not send it). */
  sendBlockAction(url: string, input: BlockActionInput, sign?: SignOptions): Promise<inbound.InboundWithResponse & { actionTs: string }>;
  /** Signed event_callback; `opts.eventId` + `opts.retryNum` resend as a Slack retry. */
  sendEvent(url: string, event: Record<string, unknown>, opts?: inbound.EventOptions): Promise<InboundResult & { eventId: string }>;
  /** Signed view_submission of an open modal (throws if the user could not have submitted it); `result` is how Slack read the ack. */
  sendViewSubmission(
    url: string,
    input: ViewSubmissionInput,
    sign?: SignOptions,
  ): Promise<InboundResult & { result: ViewSubmissionResult }>;
  /** The same over Socket Mode: an `interactive` envelope that accepts a response payload; resolves with how Slack read the ack. */
  sendViewSubmissionEnvelope(input: ViewSubmissionInput): Promise<ViewSubmissionResult>;
  /** `ssl_check=1&token=…`. */
  sslCheck(url: string, sign?: SignOptions): Promise<InboundResult>;
  /** url_verification with a challenge. */
  urlVerification(url: string, challenge: string, sign?: SignOptions): Promise<InboundResult>;
  /** Slash command payload object (for a `slash_commands` envelope). */
  slashCommandPayload(input?: SlashCommandInput): { fields: Record<string, string>; responseUrlId: string | undefined };
  /** block_actions payload object (for an `interactive` envelope). */
  blockActionPayload(input: BlockActionInput): { payload: Record<string, unknown>; responseUrlId: string | undefined };
  /** view_submission payload of an open modal (throws when the user could not have submitted it). */
  viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown>;
  /** event_callback object (for an `events_api` envelope). */
  eventPayload(event: Record<string, unknown>, eventId?: string): Record<string, unknown>;

  /** Socket Mode: sends an envelope to the newest connection, resolves with its ack. */
  sendEnvelope(type: EnvelopeType, payload: unknown, opts?: EnvelopeOptions): Promise<SocketAck>;
  /** Socket Mode: sends `{"type":"disconnect","reason":"refresh_requested"}` to every connection. */
  disconnect(reason?: string): void;
  /** Socket Mode: waits until `total` connections were accepted in all and one is open. */
  waitForConnection(total?: number, timeoutMs?: number): Promise<void>;
  /** Socket Mode: waits until no connection is open (server side saw the close). */
  waitForNoConnections(timeoutMs?: number): Promise<void>;
  /** Socket Mode: open connections now, and accepted since start. */
  connections(): { open: number; total: number };
  /** Socket Mode: every ack, and client messages that acked nothing. */
  readonly socket: SocketHub;

  /** Closes sockets (awaiting their close), then the HTTP server. Stop Bolt apps first. */
  close(): Promise<void>;
}

const DEFAULT_CHANNELS = [
  { id: 'C0DEPLOY', name: 'deploys' },
  { id: 'C0OPS', name: 'ops' },
  { id: 'C0GENERAL', name: 'general' },
];
const DEFAULT_USERS = [
  { id: 'U0ALICE', name: 'alice' },
  { id: 'U0BOB', name: 'bob' },
];

/** Starts a simulator on 127.0.0.1 with a free port. */
export async function startSlackSimulator(opts: SlackSimOptions = {}): Promise<SlackSimulator> {
  const config: SimConfig = {
    teamId: opts.teamId ?? 'T0SIM0001',
    teamDomain: opts.teamDomain ?? 'voxoz-sim',
    botUserId: opts.botUserId ?? 'U0VOXOZBOT',
    botId: opts.botId ?? 'B0VOXOZ01',
    apiAppId: opts.apiAppId ?? 'A0VOXOZ01',
    botToken: opts.botToken ?? 'xoxb-1000-2000-simbottoken0000000000',
    appToken: opts.appToken ?? 'xapp-1-A0VOXOZ01-3000-simapptoken00000000',
    signingSecret: opts.signingSecret ?? 'simsigningsecret0123456789abcdef',
    ackTimeoutMs: opts.ackTimeoutMs ?? 3_000,
    serverPingMs: opts.serverPingMs ?? 10_000,
  };
  const channels = opts.channels ?? DEFAULT_CHANNELS;
  const users = opts.users ?? DEFAULT_USERS;
  const ctx: SimContext = {
    config,
    store: new Store(channels, users, config.botUserId),
    limiter: new RateLimiter(opts.rateLimits),
    calls: [],
    baseUrl: '',
    tickets: new Set(),
    faults: new Map(),
  };
  const hub = new SocketHub(ctx);
  const srv = await startServer(
    () => ctx,
    () => hub,
  );
  ctx.baseUrl = srv.baseUrl;
  const { store } = ctx;
  let closed = false;

  return {
    apiUrl: `${srv.baseUrl}/api/`,
    baseUrl: srv.baseUrl,
    botToken: config.botToken,
    appToken: config.appToken,
    signingSecret: config.signingSecret,
    teamId: config.teamId,
    teamDomain: config.teamDomain,
    botUserId: config.botUserId,
    botId: config.botId,
    apiAppId: config.apiAppId,
    channels: channels.map((c) => c.id),
    users: users.map((u) => u.id),
    calls: ctx.calls,
    errors: srv.errors,
    socket: hub,
    callsTo: (method) => ctx.calls.filter((c) => c.method === method),
    messages: (channel) => store.messages(channel),
    allMessages: (channel) => store.allMessages(channel),
    thread: (channel, ts) => store.thread(channel, ts),
    message: (channel, ts) => store.message(channel, ts),
    files: (channel, threadTs) => store.filesIn(channel, threadTs),
    file: (id) => store.files.get(id),
    ephemerals: () => [...store.ephemerals],
    responses: (id) => [...(store.responseUrls.get(id) ?? [])],
    views: () => [...store.views.values()],
    breaches: (method) => ctx.limiter.breaches(method),
    breachesByMethod: () => ctx.limiter.breachesByMethod(),
    setRateLimits: (limits) => ctx.limiter.configure(limits),
    failNext: (method, error, times = 1) => {
      const q = ctx.faults.get(method) ?? [];
      for (let i = 0; i < times; i++) q.push(error);
      ctx.faults.set(method, q);
    },
    sign: (rawBody, timestamp = Math.floor(Date.now() / 1000)) => ({
      timestamp,
      signature: slackSignature(config.signingSecret, timestamp, rawBody),
    }),
    sendSigned: (url, body, contentType, o) => sendSigned(config.signingSecret, url, body, contentType, o),
    sendSlashCommand: (url, input, sign) => inbound.sendSlashCommand(ctx, url, input, sign),
    sendBlockAction: (url, input, sign) => inbound.sendBlockAction(ctx, url, input, sign),
    sendEvent: (url, event, o) => inbound.sendEvent(ctx, url, event, o),
    sendViewSubmission: (url, input, sign) => inbound.sendViewSubmission(ctx, url, input, sign),
    async sendViewSubmissionEnvelope(input) {
      const payload = viewSubmissionPayload(ctx, input);
      const started = performance.now();
      const ack = await hub.sendEnvelope('interactive', payload, { acceptsResponsePayload: true });
      return readViewAck(ctx, input.view_id, { status: 200, body: ack.payload, ms: performance.now() - started });
    },
    sslCheck: (url, sign) => inbound.sslCheck(ctx, url, sign),
    urlVerification: (url, challenge, sign) => inbound.urlVerification(ctx, url, challenge, sign),
    slashCommandPayload: (input = {}) => slashCommandPayload(ctx, input),
    blockActionPayload: (input) => blockActionPayload(ctx, input),
    viewSubmissionPayload: (input) => viewSubmissionPayload(ctx, input),
    eventPayload: (event, eventId) => eventPayload(ctx, event, eventId),
    sendEnvelope: (type, payload, o) => hub.sendEnvelope(type, payload, o),
    disconnect: (reason) => hub.disconnect(reason),
    waitForConnection: (total, timeoutMs) => hub.waitForConnection(total, timeoutMs),
    waitForNoConnections: (timeoutMs) => hub.waitForNoConnections(timeoutMs),
    connections: () => ({ open: hub.openConnections(), total: hub.totalConnections() }),
    close: async () => {
      if (closed) return;
      closed = true;
      await hub.close();
      await srv.close();
    },
  };
}
