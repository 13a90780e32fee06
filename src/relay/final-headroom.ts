import type { RelayLimits } from './chat-surface.ts';

/**
 * The spare budget of one surface for final parent edits that skip the pacing interval
 * (RelayLimits.finalHeadroom): a sliding window of the times such edits were sent.
 */
export function createFinalHeadroom(limits: RelayLimits): { take(now: number): boolean } {
  const spent: number[] = [];
  return {
    /** True, and counts the edit, when the window has room; false leaves the edit to the pacing. */
    take(now) {
      const room = limits.finalHeadroom;
      if (!room) return true;
      while (spent.length > 0 && now - spent[0]! >= room.perMs) spent.shift();
      if (spent.length >= room.calls) return false;
      spent.push(now);
      return true;
    },
  };
}
