import type { APIInteractionResponse } from 'discord-api-types/v10';
import type { DiscordMessage } from './render-embeds.ts';

/** How an interaction is answered: over REST (gateway) or in the HTTP response (interactions endpoint). */
export interface InteractionResponder {
  /** The first response (once, within 3 s); resolves with the created message's id when known. */
  callback(body: APIInteractionResponse): Promise<{ messageId?: string }>;
  /** Replaces the first response's message (after a deferral). */
  editOriginal(body: DiscordMessage): Promise<void>;
  /** True when every delivery needs its own answer (an HTTP request waits for one); over the gateway a redelivery is ignored. */
  answersEveryDelivery?: boolean;
}
