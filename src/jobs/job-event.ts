import type { Reply, ReplyStep } from '../core/types.ts';

export type JobOutcome = 'succeeded' | 'failed' | 'cancelled';

/** What workers write to a job's Redis Stream and relays read. JSON in the entry's `e` field. */
export type JobEvent =
  | { type: 'queued'; at: string }
  | { type: 'started'; at: string; attempt: number; worker: string }
  | { type: 'step'; at: string; step: string; state: ReplyStep['state'] }
  | { type: 'log'; at: string; line: string }
  | {
      type: 'done';
      at: string;
      outcome: JobOutcome;
      /** `attention`: it succeeded, and what it reports needs a look (its parent is marked so instead of as succeeded). */
      result: Omit<Reply, 'status' | 'buttons' | 'steps'> & { attention?: true };
    };

export interface StreamEntry {
  id: string;
  event: JobEvent;
}
