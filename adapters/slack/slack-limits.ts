import type { RelayLimits } from '../../src/relay/chat-surface.ts';

/** Share of chat.update's Tier 3 budget (~50/min per workspace) the relay uses; the rest is headroom. @defaultValue 45 */
export const UPDATES_PER_MINUTE = 45;
/** Least time between two calls for one job; keeps chat.postMessage under ~1/s per channel. @defaultValue 1500 ms */
export const MIN_INTERVAL_MS = 1500;

/** chat.postMessage in one channel: posts at once, then one per POST_GAP_MS (Slack allows about one a second, with short bursts). @defaultValue 3 */
export const POST_BURST = 3;
/** @defaultValue 1100 ms */
export const POST_GAP_MS = 1100;

/**
 * The relay's pace for Slack. Each live job makes at most one call per interval; in the worst
 * case every job's call is a chat.update, which shares one budget across the whole workspace,
 * so the interval grows linearly with the number of live jobs: n jobs × (60 s / 45) apart.
 * Thread batches are cut to `maxBatchChars` (a message stays readable, well under Slack's
 * 4,000-char display limit once escaped); the full log follows as a file.
 */
export const slackRelayLimits: RelayLimits = {
  intervalMs: (activeJobs) => Math.max(MIN_INTERVAL_MS, Math.ceil((Math.max(1, activeJobs) * 60_000) / UPDATES_PER_MINUTE)),
  maxBatchChars: 3500,
  // chat.update's headroom (50 − 45 a minute): a job's final edit shows at once instead of after its interval.
  finalHeadroom: { calls: 50 - UPDATES_PER_MINUTE, perMs: 60_000 },
  // chat.postMessage: about one a second per channel, short bursts allowed; a little under, shared by every bot.
  channelPace: { burst: POST_BURST, gapMs: POST_GAP_MS },
};
