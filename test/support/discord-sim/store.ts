import type { EventEmitter } from 'node:events';
import type { APIApplicationCommand, APIInteraction, APITextChannel, APIThreadChannel, APIUser } from 'discord-api-types/v10';
import type { SimClock } from './clock.ts';
import type { World } from './entities.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { InteractionResponseRecord, RecordedCall, StoredAttachment, StoredMessage } from './types.ts';
import type { ModalTextInput } from './validate-modal.ts';

/** Server-side state of one interaction (callback, original message, follow-ups). */
export interface InteractionState {
  id: string;
  token: string;
  /** 2 application command, 3 message component, 4 autocomplete, 5 modal submit. */
  type: number;
  createdAt: number;
  payload: APIInteraction;
  channelId: string;
  user: APIUser;
  /** Name of the command (types 2 and 4). */
  commandName?: string;
  /** The message holding the clicked component (type 3). */
  componentMessageId?: string;
  /** The modal its callback opened (type 9), until the user submits it. */
  modal?: { customId: string; inputs: ModalTextInput[]; submitted: boolean };
  /** A modal submit's: the interaction whose callback opened the modal. */
  triggeredBy?: InteractionState;
  response?: InteractionResponseRecord;
  originalMessageId?: string;
  /** Original + follow-up messages, which the interaction webhook may edit. */
  messageIds: Set<string>;
  waiters: Array<(r: InteractionResponseRecord) => void>;
}

/** Everything the simulator stores; the query helpers read from here. */
export class SimStore {
  readonly channels = new Map<string, APITextChannel | APIThreadChannel>();
  readonly channelMessages = new Map<string, string[]>();
  readonly messages = new Map<string, StoredMessage>();
  readonly attachments = new Map<string, StoredAttachment[]>();
  readonly interactions = new Map<string, InteractionState>();
  readonly commands = { global: [] as APIApplicationCommand[], guild: new Map<string, APIApplicationCommand[]>() };
  readonly calls: RecordedCall[] = [];

  /** Adds a channel (text channel or thread). */
  addChannel(ch: APITextChannel | APIThreadChannel): void {
    this.channels.set(ch.id, ch);
    if (!this.channelMessages.has(ch.id)) this.channelMessages.set(ch.id, []);
  }

  /** Finds the live interaction whose webhook token is `token`. */
  interactionByToken(token: string): InteractionState | undefined {
    for (const it of this.interactions.values()) if (it.token === token) return it;
    return undefined;
  }
}

/** Hooks that REST handlers use to reach the gateway without importing it. */
export interface GatewayHooks {
  /** Sends a dispatch to identified sessions whose intents include `intent` (if given). */
  dispatch(t: string, d: unknown, intent?: number): void;
}

/** Shared context passed to every handler. */
export interface SimContext {
  world: World;
  clock: SimClock;
  snowflake: () => string;
  store: SimStore;
  limiter: RateLimiter;
  gateway: GatewayHooks;
  token: string;
  maxUploadBytes: number;
  events: EventEmitter;
  /** `http://127.0.0.1:PORT`, for attachment URLs. */
  origin: () => string;
}
