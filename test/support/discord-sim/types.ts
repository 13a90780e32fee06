import type { APIApplicationCommand, APIMessage } from 'discord-api-types/v10';

/** A rate-limit window: at most `limit` requests per `windowMs` (simulator clock). */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/** Rate-limit settings; defaults mirror Discord's published numbers. */
export interface RateLimitOptions {
  /** Global per-bot limit, requests per second (Discord: 50). Interaction/webhook routes are exempt. */
  globalPerSecond: number;
  /** Creating (and, separately, editing) messages per channel (Discord: 5 per 5 s). */
  channelMessages: RateWindow;
  /** Every other route bucket (per route + major parameter). */
  defaultRoute: RateWindow;
  /** Invalid requests (401/403/429) allowed per 10 minutes before the "IP ban" (Discord: 10,000). */
  invalidRequestsPer10Min: number;
}

/** Options for `startDiscordSimulator`. All optional. */
export interface DiscordSimulatorOptions {
  /** Gateway HELLO heartbeat interval in ms (Discord: 41250). Use ~1000 in tests. */
  heartbeatIntervalMs?: number;
  /** Partial overrides of the rate limits. */
  rateLimits?: Partial<RateLimitOptions>;
  /** Base clock (default `Date.now`); `advanceClock(ms)` adds on top of it. */
  now?: () => number;
  /** Max total size of files in one request (Discord: 10 MiB). */
  maxUploadBytes?: number;
  /** Bot permissions in the guild (bitfield); REST enforces send/attach/thread permissions. */
  botPermissions?: bigint;
  /** Privileged intents the app is allowed (bitfield of GuildMembers/GuildPresences/MessageContent). */
  privilegedIntents?: number;
  /** Fixed bot token (default: a random Discord-looking token). */
  token?: string;
}

/** One REST call as the simulator saw and answered it. */
export interface RecordedCall {
  method: string;
  /** Route template, e.g. `/channels/:channel/messages`; the raw path for unknown routes. */
  route: string;
  path: string;
  /** Parsed JSON body or `payload_json` for multipart; `undefined` when none. */
  body: unknown;
  files: Array<{ name: string; size: number }>;
  status: number;
  /** Discord error code for error answers. */
  code?: number;
  /** Simulator-clock time of the answer (ms). */
  time: number;
}

/** A stored file attached to a message. */
export interface StoredAttachment {
  id: string;
  messageId: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** A message with its edit history (oldest first, excluding the current state). */
export interface StoredMessage {
  current: APIMessage;
  history: APIMessage[];
  deleted: boolean;
  ephemeral: boolean;
  /** Interaction that produced the message, if any. */
  interactionId?: string;
}

/** The response recorded for an interaction callback. */
export interface InteractionResponseRecord {
  /** Callback type (4 message, 5 deferred, 6 deferred update, 7 update, 8 autocomplete, 9 modal). */
  type: number;
  data: unknown;
  /** Simulator-clock ms between dispatch and response. */
  latencyMs: number;
  /** Id of the message the response created or updated (types 4-7). */
  messageId?: string;
}

/** Registered application commands: global ones and per-guild ones. */
export interface RegisteredCommands {
  global: APIApplicationCommand[];
  guild: Map<string, APIApplicationCommand[]>;
}

/** Gateway counters. */
export interface GatewayStats {
  connections: number;
  identifies: number;
  resumes: number;
  heartbeats: number;
  /** Currently open, authenticated sockets. */
  open: number;
}

/** A dispatch the gateway sent (or buffered for a disconnected session). */
export interface DispatchRecord {
  s: number;
  t: string;
  d: unknown;
  sessionId: string;
  /** Whether the socket was open when it was dispatched (false → buffered until RESUME). */
  delivered: boolean;
}
