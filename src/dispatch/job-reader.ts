import type { WorkerCard } from '../jobs/worker-presence.ts';
import type { ChatUser } from '../core/types.ts';

/** One unfinished job as `jobs` shows it. */
export interface JobSummary {
  id: string;
  /** The command as typed, e.g. `deploy hello main`. */
  command: string;
  kind: string;
  app?: string;
  env: string;
  /**
   * `running` on a worker; `queued` for a worker; `waiting` for another job to finish with its app
   * (or for its enqueue to be confirmed); `scheduled` until its time (a burst's scale-back, `runAt`).
   */
  state: 'running' | 'queued' | 'waiting' | 'scheduled';
  /** 1 = next to start, counting every job queued or waiting, oldest first. Absent while running or scheduled. */
  position?: number;
  /** When a scheduled job runs (ISO). */
  runAt?: string;
  /** The job it waits behind, when it waits for its app+env lock. */
  waitingFor?: string;
  requestedBy: ChatUser;
  requestedAt: string;
  /** The local chat thread it posts in, when it was asked for there (the web console links to it). */
  thread?: string;
}

/** Read-only view of the queue for answers in the bot process; no queue library types cross it. */
export interface JobReader {
  /** Running jobs first, then the rest in queue order; at most `limit` (the newest are cut). */
  list(filter: { app?: string; limit?: number }): Promise<JobSummary[]>;
  /** The workers alive now: what each reaches and runs (`workers`). */
  workers(): Promise<WorkerCard[]>;
}
