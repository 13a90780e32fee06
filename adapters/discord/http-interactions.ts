import type { APIInteraction, APIInteractionResponse } from 'discord-api-types/v10';
import type { KeyObject } from 'node:crypto';
import { readBody, sendJson, type HttpMount } from '../../src/http/http-server.ts';
import type { Logger } from '../../src/observability/logger.ts';
import type { InteractionResponder } from './answer-interaction.ts';
import type { DiscordMessage } from './render-embeds.ts';
import { verifySignature } from './verify-signature.ts';

/** The path set as "Interactions Endpoint URL" in the Developer Portal. */
export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';
/** Largest interaction body read. @defaultValue 1 MiB */
const BODY_LIMIT = 1024 * 1024;

export interface HttpInteractionsDeps {
  publicKey: KeyObject;
  log: Logger;
  /** Handles a verified interaction; the responder's first callback becomes the HTTP response. */
  answer(raw: APIInteraction, respond: InteractionResponder): Promise<void>;
  /** Edits the first response later (through the interaction webhook). */
  editOriginal(raw: APIInteraction, body: DiscordMessage): Promise<void>;
  /** @defaultValue Date.now */
  now?: () => number;
}

/**
 * POST /discord/interactions on voxoz's shared server, when DISCORD_PUBLIC_KEY is set.
 * The Ed25519 signature over timestamp + raw body is verified before anything is parsed;
 * a bad, missing or stale signature gets 401 and nothing else happens. PING is answered PONG;
 * other interactions go through the same handler as the gateway, answered in the response.
 */
export function httpInteractionsMount(deps: HttpInteractionsDeps): HttpMount {
  const now = deps.now ?? Date.now;
  return {
    prefix: '/discord',
    async handle(req, res, url) {
      if (url.pathname !== DISCORD_INTERACTIONS_PATH) return false;
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: `${DISCORD_INTERACTIONS_PATH} takes POST requests from Discord` });
        return true;
      }
      let raw: Buffer;
      try {
        raw = await readBody(req, BODY_LIMIT);
      } catch {
        if (!res.headersSent) sendJson(res, 413, { error: 'body too large' });
        return true;
      }
      const sig = req.headers['x-signature-ed25519'];
      const ts = req.headers['x-signature-timestamp'];
      if (
        !verifySignature(deps.publicKey, raw, typeof sig === 'string' ? sig : undefined, typeof ts === 'string' ? ts : undefined, now())
      ) {
        sendJson(res, 401, { error: 'invalid request signature' });
        return true;
      }
      let interaction: APIInteraction;
      try {
        interaction = JSON.parse(raw.toString('utf8')) as APIInteraction;
      } catch {
        sendJson(res, 400, { error: 'body is not JSON' });
        return true;
      }
      let answered = false;
      const first = new Promise<APIInteractionResponse>((resolve, reject) => {
        const responder: InteractionResponder = {
          async callback(body) {
            if (answered) throw new Error('interaction already answered');
            answered = true;
            resolve(body);
            return {};
          },
          editOriginal: (body) => deps.editOriginal(interaction, body),
          answersEveryDelivery: true,
        };
        deps.answer(interaction, responder).then(
          () => {
            if (!answered) reject(new Error('interaction left unanswered'));
          },
          (err: unknown) => {
            deps.log.warn('discord http interaction failed', { id: interaction.id, err });
            reject(err as Error);
          },
        );
      });
      try {
        sendJson(res, 200, await first);
      } catch {
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      }
      return true;
    },
  };
}
