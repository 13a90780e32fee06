import type { ThreadRef } from '../core/types.ts';
import type { JobStore } from '../store/job-store.ts';
import { REPLY_TO_JOB } from '../store/record-system-job.ts';

/** How long a job posted into another job's thread waits for that job's parent before it posts on its own. @defaultValue 15 s */
export const ORIGIN_WAIT_MS = 15_000;

/**
 * The thread a job is posted in, with `meta.replyTo` filled in when it continues another job's
 * thread whose parent the relay has posted since (a burst's scale-back, recorded while the
 * burst's own parent may still be on its way): `ready` false while that parent is not known yet.
 * A thread with its reply target already known, or none to wait for, is ready as it is.
 */
export async function withOriginParent(
  store: Pick<JobStore, 'relayRecord'>,
  thread: ThreadRef,
): Promise<{ thread: ThreadRef; ready: boolean }> {
  const origin = thread.meta?.[REPLY_TO_JOB];
  if (!origin || thread.meta?.replyTo) return { thread, ready: true };
  const { parent } = await store.relayRecord(origin);
  return parent ? { thread: { ...thread, meta: { ...thread.meta, replyTo: parent } }, ready: true } : { thread, ready: false };
}
