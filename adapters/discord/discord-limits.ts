import type { RelayLimits } from '../../src/relay/chat-surface.ts';

/** Message limits Discord enforces (and the simulator checks), counted in UTF-16 units, which is never fewer than Discord's count. */
export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  embedTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  buttonsPerRow: 5,
  rows: 5,
  buttonLabel: 80,
  customId: 100,
  autocompleteChoices: 25,
  choiceName: 100,
  commandDescription: 100,
  threadName: 100,
} as const;

/** Least time between two calls for one job. @defaultValue 1100 ms */
export const MIN_INTERVAL_MS = 1100;

/**
 * The relay's pace for Discord. Each live job makes at most one call per interval. The
 * tightest budget a job shares with others is "5 per 5 s per channel" (edits of ordinary
 * parent messages in one channel; thread batches each have a thread of their own), so the
 * interval grows by 1.1 s per live job: n jobs stay under 1 call/s per channel and far under the
 * 50 requests/s global limit. A thread batch fits one message (2,000 chars with its fences).
 */
export const discordRelayLimits: RelayLimits = {
  intervalMs: (activeJobs) => Math.max(MIN_INTERVAL_MS, Math.ceil(Math.max(1, activeJobs) * MIN_INTERVAL_MS)),
  maxBatchChars: 1900,
  // The pace keeps a channel under 1 call/s and thread batches go to threads of their own, so a parent's
  // channel has room in its 5 per 5 s for one final edit per 5 s that skips the interval.
  finalHeadroom: { calls: 1, perMs: 5000 },
};
