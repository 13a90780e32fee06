import { Job, type Queue } from 'bullmq';
import type { JobData } from '../core/types.ts';

/**
 * The queue's own copy of a job says whether its enqueue was confirmed (job-state.ts), so a
 * worker handed a confirmed job for the first time starts it without asking Redis first:
 * under a backlog, when throughput counts, every job waiting in the queue is confirmed long
 * before a worker reaches it. The mark is written after the confirm said "confirmed", so a
 * marked job was confirmed; an unmarked one (taken before the mark landed, or whose mark a
 * failover lost) is claimed as before. The mark is only a shortcut: nothing else reads it.
 */
export async function markConfirmed(queue: Queue<JobData>, data: JobData): Promise<void> {
  // A job already over and removed has no copy left to mark.
  await new Job<JobData>(queue, data.kind, data, {}, data.id).updateData({ ...data, confirmed: true }).catch(() => undefined);
}

/**
 * True for the first run of a marked job: BullMQ moved it to active once, and it was never
 * handed back (stalled, retried, parked). Any later run is claimed, which drops a job whose
 * record says it is over (its `done` landed, but BullMQ's completion did not).
 */
export function confirmedFirstRun(job: Pick<Job<JobData>, 'data' | 'attemptsStarted' | 'attemptsMade' | 'stalledCounter'>): boolean {
  return job.data.confirmed === true && job.attemptsStarted <= 1 && job.attemptsMade === 0 && job.stalledCounter === 0;
}
