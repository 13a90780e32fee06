import type { Queue } from 'bullmq';
import type { Schedule } from '../config/schedule-schema.ts';

/** The BullMQ queue whose job schedulers fire summaries; each tick is turned into a system job (see schedule-ticks.ts). */
export const SCHEDULE_QUEUE = 'schedules';

/** What one tick carries: the schedule's name; the rest is read from the config when it fires. */
export interface TickData {
  schedule: string;
}

/** Keeps a failed tick (Redis away while recording) for a few retries, and the queue short. */
const TICK_OPTS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
} as const;

/**
 * Makes the queue's job schedulers match `schedules`: one per schedule, keyed by its name
 * (pattern + tz, as BullMQ reads them), and none other (a removed or renamed schedule's
 * scheduler goes). BullMQ keeps one delayed job per scheduler and tick (`repeat:<name>:<ms>`),
 * so however many processes sync the same config, each tick is one job; schedulers live in
 * Redis, so they survive restarts. Safe to run again (reload).
 */
export async function syncSchedulers(
  queue: Queue<TickData>,
  schedules: ReadonlyArray<Pick<Schedule, 'name' | 'cron' | 'timezone'>>,
): Promise<{ upserted: string[]; removed: string[] }> {
  for (const s of schedules) {
    try {
      await queue.upsertJobScheduler(
        s.name,
        { pattern: s.cron, tz: s.timezone },
        { name: 'summary', data: { schedule: s.name }, opts: TICK_OPTS },
      );
    } catch (err) {
      // Two bot processes starting (or reloading) at once upsert the same scheduler at the same
      // instant: BullMQ refuses the second because that tick's job exists already. Done, then,
      // when the scheduler that won is this one.
      if (!/job ID already exists/.test((err as Error).message)) throw err;
      const current = await queue.getJobScheduler(s.name);
      if (current?.pattern !== s.cron || (current.tz ?? 'UTC') !== s.timezone) throw err;
    }
  }
  const wanted = new Set(schedules.map((s) => s.name));
  const removed: string[] = [];
  for (const existing of await queue.getJobSchedulers(0, -1)) {
    if (wanted.has(existing.key)) continue;
    await queue.removeJobScheduler(existing.key);
    removed.push(existing.key);
  }
  return { upserted: schedules.map((s) => s.name), removed };
}
