import type { JobEvent, JobOutcome } from '../jobs/job-event.ts';

export type DoneEvent = Extract<JobEvent, { type: 'done' }>;
export type DoneResult = DoneEvent['result'];

/** The one builder of a job's final event; `at` is an ISO time. */
export function doneEvent(at: string, outcome: JobOutcome, result: DoneResult): DoneEvent {
  return { type: 'done', at, outcome, result };
}

/**
 * Every final event voxoz itself words (a processor's own result goes through `doneEvent`).
 * One table, so a job's thread says the same thing whichever module ended it.
 */
export const jobDone = {
  /** A cancel that reached the job while it ran. */
  cancelled: (at: string, command: string, by: string) =>
    doneEvent(at, 'cancelled', {
      title: `${command}: cancelled by ${by}`,
      text: 'Everything this job had started was removed; what ran before keeps running.',
    }),
  /** A cancel that removed the job from the queue before it started. */
  cancelledQueued: (at: string, command: string, by: string) =>
    doneEvent(at, 'cancelled', { title: `${command}: cancelled by ${by}`, text: 'It was still queued; nothing had started.' }),
  /** A failure whose message is safe to show (a UserError). */
  failed: (at: string, command: string, text: string) => doneEvent(at, 'failed', { title: `${command}: failed`, text }),
  /** The confirm came after a worker gave up waiting for it (see jobs/job-state.ts). */
  tooLate: (at: string, command: string) =>
    doneEvent(at, 'failed', {
      title: `${command}: not run`,
      text: 'Redis was too slow while this job was being queued, so no worker took it; nothing ran. Send the command again.',
    }),
  /** Recorded for the relay but never reached the queue (Redis failed between the two writes). */
  lost: (at: string, command: string) =>
    doneEvent(at, 'failed', {
      title: `${command}: failed`,
      text: 'The job queue lost this job while it was being queued (Redis failed); nothing ran. Send the command again.',
    }),
};
