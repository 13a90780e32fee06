import type { Claim } from './job-state.ts';

/** Longest a worker waits before looking again at a job whose enqueue is not confirmed yet. */
export const CONFIRM_POLL_MS = 100;
/**
 * The enqueuer sends the confirm right after BullMQ took the job, so a free worker is often
 * handed it a round trip before the confirm lands: a job reserved less than JUST_RESERVED_MS ago
 * is looked at again in place after each of these pauses (37 ms in all) before it is parked
 * for CONFIRM_POLL_MS, which would delay its start by 100–200 ms.
 */
const CONFIRM_RECHECK_MS = [2, 5, 10, 20];
const JUST_RESERVED_MS = 1000;

/**
 * What a worker does with a job it was handed (job-state.ts' claim), asked again in place while
 * the job was reserved just now and its confirm is likely on its way. `confirmed`: the job is
 * marked confirmed on its first run (confirm-mark.ts), so it runs without asking.
 */
export async function claimRun(confirmed: boolean, claim: () => Promise<Claim>, confirmWaitMs: number): Promise<Claim> {
  let claimed: Claim = confirmed ? { verdict: 'run' } : await claim();
  for (const pause of CONFIRM_RECHECK_MS) {
    if (claimed.verdict !== 'wait' || confirmWaitMs - claimed.ms > JUST_RESERVED_MS) break;
    await new Promise((r) => setTimeout(r, pause));
    claimed = await claim();
  }
  return claimed;
}
