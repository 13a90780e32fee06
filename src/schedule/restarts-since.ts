import type { Instance } from '../drivers/driver.ts';

/** Restart counts by instance id, as a scheduled summary stored them for the next one. */
export type RestartCounts = Record<string, number>;

/**
 * How often `instances` restarted since the counts in `baseline` were taken (the last scheduled
 * summary). The runtime's counter only grows while an instance lives, so the difference is what
 * happened since; an instance not in the baseline was created since (a deploy, a scale, a
 * recreation), so all its restarts count, and so do all of every instance's when there is no
 * baseline yet (the first summary: an over-count of a crash loop beats missing one). A counter
 * below its baseline was reset (started by hand): its count now is what happened since.
 * Restarts of an instance removed meanwhile are lost with it.
 */
export function restartsSince(instances: ReadonlyArray<Pick<Instance, 'id' | 'restarts'>>, baseline: RestartCounts | undefined): number {
  let total = 0;
  for (const { id, restarts } of instances) {
    if (restarts === undefined) continue;
    const before = baseline?.[id];
    total += before === undefined || restarts < before ? restarts : restarts - before;
  }
  return total;
}

/** The counts to store for the next summary. */
export const restartCountsOf = (instances: ReadonlyArray<Pick<Instance, 'id' | 'restarts'>>): RestartCounts =>
  Object.fromEntries(instances.flatMap((i) => (i.restarts === undefined ? [] : [[i.id, i.restarts]])));
