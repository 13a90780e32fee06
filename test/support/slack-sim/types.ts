/**
 * Public types of the Slack simulator (see index.ts for the entry point).
 */

/** A token bucket: `burst` calls at once, refilled at `perMinute` calls per minute. */
export interface BucketRule {
  burst: number;
  perMinute: number;
}

/** A rate rule: a bucket, no limit at all, or answer every call with 429. */
export type RateRule = BucketRule | 'unlimited' | 'always429';

/**
 * Rate limits. Defaults follow Slack: `chat.postMessage` ~1/s per channel (burst 3),
 * `chat.update` Tier 3 (50/min per workspace, burst 10, shared by all channels), every other
 * method a generic 100/min per method (burst 20). `methods` overrides any method by name
 * (keyed per workspace, or per channel for chat.postMessage). `retryAfterSeconds` fixes the
 * Retry-After value; by default it is the time until the bucket has a token again (min 1 s).
 */
export interface RateLimitOptions {
  postMessagePerChannel?: RateRule;
  update?: RateRule;
  generic?: RateRule;
  methods?: Record<string, RateRule>;
  retryAfterSeconds?: number;
}

/** A channel known to the simulated workspace. */
export interface SimChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Member user ids (the bot is always a member). Default: every known user. */
  members?: string[];
  /** Slack Connect: the other organisations' team ids this channel is shared with. Default: none. */
  sharedWith?: string[];
}

/** Options of `startSlackSimulator`; all optional. */
export interface SlackSimOptions {
  teamId?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  apiAppId?: string;
  botToken?: string;
  appToken?: string;
  signingSecret?: string;
  /** Default: C0DEPLOY (#deploys), C0OPS (#ops), C0GENERAL (#general). */
  channels?: SimChannel[];
  /** Human users of the workspace. Default: U0ALICE, U0BOB. */
  users?: Array<{ id: string; name: string }>;
  rateLimits?: RateLimitOptions;
  /** How long `sendEnvelope` waits for an ack before rejecting. Default 3000 ms (Slack's limit). */
  ackTimeoutMs?: number;
  /** Interval of WebSocket pings from the server. Default 10000 ms; 0 disables. */
  serverPingMs?: number;
}

/** One recorded Web API call (including rejected ones). */
export interface RecordedCall {
  method: string;
  /** Arguments as received; JSON-in-form fields (blocks, attachments, files) are parsed. */
  args: Record<string, unknown>;
  /** Token from the Authorization header (or the `token` argument), if any. */
  token: string | undefined;
  at: number;
  status: 200 | 429;
  ok: boolean;
  error?: string;
  response: Record<string, unknown>;
}

/** One prior version of an edited message. */
export interface MessageEdit {
  at: number;
  text: string;
  blocks: unknown[] | undefined;
}

/** A message stored by the simulator. */
export interface StoredMessage {
  channel: string;
  ts: string;
  threadTs: string | undefined;
  text: string;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  user: string;
  botId: string;
  replyBroadcast: boolean;
  /** Earlier versions, oldest first (chat.update pushes the replaced version here). */
  edits: MessageEdit[];
  /** File ids shared by this message (uploads). */
  fileIds: string[];
}

/** A file uploaded through getUploadURLExternal + upload POST + completeUploadExternal. */
export interface StoredFile {
  id: string;
  filename: string;
  title: string;
  length: number;
  content: Buffer | undefined;
  uploadedAt: number | undefined;
  /** Set when completed: where it was shared. */
  channel: string | undefined;
  threadTs: string | undefined;
  initialComment: string | undefined;
  /** ts of the message that shares the file. */
  messageTs: string | undefined;
}

/** A modal opened with views.open (the simulator keeps one view per open call; stacks are not simulated). */
export interface StoredView {
  /** `V0SIM…`, as views.open answered it. */
  id: string;
  /** Who sees it: the user the trigger_id was issued to. */
  user: string;
  /** The view object as the app sent it (validated). */
  view: Record<string, unknown>;
  openedAt: number;
  /** `closed` once a submission was answered with an empty ack or `clear` (Slack closes the modal then). */
  state: 'open' | 'closed';
  /** Submissions delivered for it, answered or not. */
  submissions: number;
}

/** How the app answered one view_submission, as Slack reads the ack. */
export interface ViewSubmissionResult {
  /** `closed`: empty ack or `clear`; `errors`: shown next to the inputs; `updated`: view replaced; `failed`: not a valid ack, or later than 3 s (Slack shows an error, the modal stays open). */
  outcome: 'closed' | 'errors' | 'updated' | 'failed';
  /** Why `failed` (a status, `timeout`, `invalid response_action`). */
  problem?: string;
  /** The ack body, parsed when it is JSON. */
  body: unknown;
  ms: number;
}

/** A message sent with chat.postEphemeral. */
export interface StoredEphemeral {
  channel: string;
  user: string;
  threadTs: string | undefined;
  text: string;
  blocks: unknown[] | undefined;
  messageTs: string;
  at: number;
}

/** A body the app POSTed to a response_url (Bolt's `respond()`). */
export interface ResponseUrlPost {
  at: number;
  body: unknown;
  contentType: string | undefined;
  /** HTTP status the simulator answered (200, or 400/404 when Slack would refuse it). */
  status: number;
  /** Refusal reason (`invalid_blocks`, `no_text`, `used_url`, `invalid_payload`), if refused. */
  error?: string;
}

/** The result of an inbound request sent to the app. */
export interface InboundResult {
  status: number;
  body: string;
  headers: Record<string, string>;
  ms: number;
}

/** Options of `sendSigned` for forging, ageing or stripping signatures. */
export interface SignOptions {
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Replace the computed `v0=…` signature with this string. */
  signature?: string;
  /** Extra headers; a header whose value is `null` is removed (e.g. drop the signature). */
  headers?: Record<string, string | null>;
  /** Sign with this secret instead of the simulator's. */
  secret?: string;
}

/** An ack received over Socket Mode. */
export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
}

/** Envelope types of Socket Mode. */
export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';
