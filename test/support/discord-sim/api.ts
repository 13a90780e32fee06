import type { EventEmitter } from 'node:events';
import type { APIApplicationCommand, APIMessage, APITextChannel, APIThreadChannel } from 'discord-api-types/v10';
import type { InteractionSpec, SentInteraction } from './interactions.ts';
import type { ModalTextInput } from './validate-modal.ts';
import type { DispatchRecord, GatewayStats, InteractionResponseRecord, RecordedCall, StoredAttachment } from './types.ts';

/** A running Discord simulator (REST v10 + gateway) bound to 127.0.0.1. */
export interface DiscordSimulator {
  /** `http://127.0.0.1:PORT/api` — give it to discord.js as `rest: { api }` (it appends `/v10`). */
  readonly apiUrl: string;
  /** `ws://127.0.0.1:PORT/gateway` (what `GET /gateway/bot` returns). */
  readonly gatewayUrl: string;
  /** The one valid bot token (REST `Authorization: Bot <token>`, gateway IDENTIFY). */
  readonly token: string;
  readonly applicationId: string;
  readonly guildId: string;
  /** The guild text channel (`#deploys`). */
  readonly channelId: string;
  readonly botUserId: string;
  /** Every REST call in order (method, route template, body, status, code, time). */
  readonly calls: readonly RecordedCall[];
  /** Emits 'connection', 'identify', 'resume', 'heartbeat', 'close' (code), 'dispatch' (t, d), 'interaction-response' (id, record). */
  readonly events: EventEmitter;

  /** Moves the simulator clock forward (interaction 3 s window, 15 min tokens, rate windows). */
  advanceClock(ms: number): void;
  /** The simulator clock (ms since epoch). */
  now(): number;

  /** Dispatches INTERACTION_CREATE (command / button / autocomplete / modal submit); throws on what the user could not have sent. */
  sendInteraction(spec: InteractionSpec): SentInteraction;
  /** Resolves with the interaction's callback; rejects after `timeoutMs` (default 5000, real time). */
  waitForResponse(interactionId: string, timeoutMs?: number): Promise<InteractionResponseRecord>;
  /** The recorded callback of an interaction, if any. */
  interactionResponse(interactionId: string): InteractionResponseRecord | undefined;
  /** The modal an interaction's callback opened (type 9), with its text inputs, and whether it was submitted. */
  modal(interactionId: string): { customId: string; inputs: ModalTextInput[]; submitted: boolean } | undefined;

  /** Non-deleted messages of a channel (or thread), oldest first. Ephemeral ones included. */
  messages(channelId: string): APIMessage[];
  /** A message's current state and edit history (oldest first), including deleted ones. */
  message(id: string): { current: APIMessage; history: APIMessage[]; deleted: boolean; ephemeral: boolean } | undefined;
  /** All thread channels created so far. */
  threads(): APIThreadChannel[];
  /** A channel by id. */
  channel(id: string): APITextChannel | APIThreadChannel | undefined;
  /** Current attachments of a message, with their bytes. */
  attachments(messageId: string): StoredAttachment[];
  /** Registered commands: global, or the guild's when `guildId` is given. */
  commands(guildId?: string): APIApplicationCommand[];

  /** Number of 429 answers given (route and global). */
  breaches(): number;
  /** 401/403/429 answers in the last 10 minutes (Discord bans at 10,000). */
  invalidRequests(): number;

  /** Gateway counters (connections, identifies, resumes, heartbeats, open). */
  gatewayStats(): GatewayStats;
  /** Every dispatch sent or buffered, in order. */
  dispatches(): DispatchRecord[];
  /** Sends op 7 Reconnect to connected sessions. */
  requestReconnect(): void;
  /** Sends op 9 Invalid Session (`resumable` is its `d`). */
  invalidateSession(resumable: boolean): void;
  /** Closes every gateway socket with `code`. */
  closeWith(code: number, reason?: string): void;
  /** Dispatches an arbitrary gateway event to sessions (optionally only those with `intent`). */
  dispatch(t: string, d: unknown, intent?: number): number;

  /** Stops HTTP + gateway, rejects pending waits, clears timers. */
  close(): Promise<void>;
}
