import { InteractionResponseType, type APIInteractionResponse } from 'discord-api-types/v10';
import type { Reply } from '../../src/core/types.ts';
import type { InteractionResponder } from './interaction-responder.ts';
import { renderMessage } from './render-embeds.ts';

const EPHEMERAL = 64;

/** A reply shown only to whoever acted (flags 64). */
export const ephemeral = (reply: Reply): APIInteractionResponse => ({
  type: InteractionResponseType.ChannelMessageWithSource,
  data: renderMessage({ ...reply, ephemeral: true }) as never,
});

/** "voxoz is thinking…", shown only to whoever acted; the answer replaces it. */
export const deferEphemeral: APIInteractionResponse = {
  type: InteractionResponseType.DeferredChannelMessageWithSource,
  data: { flags: EPHEMERAL },
};

/** `work`'s result if it comes within `ms`, else undefined (the work goes on). */
export function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Answers `work` at once if it is quick, else defers (ephemerally) and edits the answer in later: Discord waits 3 s at most. */
export async function answerSoon(respond: InteractionResponder, work: Promise<Reply>, ms: number): Promise<void> {
  const reply = await within(work, ms);
  // Another bot process on the gateway got this delivery too and handles it: it answers.
  if (reply?.duplicate && !respond.answersEveryDelivery) return;
  if (reply) {
    await respond.callback(ephemeral(reply));
    return;
  }
  await respond.callback(deferEphemeral);
  await respond.editOriginal(renderMessage({ ...(await work), ephemeral: true }));
}
