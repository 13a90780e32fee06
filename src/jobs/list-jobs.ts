import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import type { JobSummary } from '../dispatch/job-reader.ts';
import { JOB_FIELD } from '../store/job-fields.ts';
import type { RedisKeys } from '../store/keys.ts';

/** Most BullMQ jobs of each kind (running, not yet running) looked at per `jobs` answer. @defaultValue 1000 */
export const LIST_SCAN_MAX = 1000;
/** Most jobs one answer lists. @defaultValue 50 */
export const LIST_DEFAULT_LIMIT = 50;

/**
 * Unfinished jobs as BullMQ holds them: running ones (`active`), then those not started yet
 * (`wait`, `prioritized`, and `delayed`, which is where a job waiting for its app+env lock or
 * for its enqueue to be confirmed sits), in the order they were queued; the position counts
 * from the next to start. Last, the jobs scheduled for later (a burst's scale-back, whose
 * `runAt` is still to come), soonest first, with no position. Jobs whose record says they were
 * abandoned or finished are left out.
 */
export async function listJobs(
  queue: Queue<JobData> | ReadonlyArray<Queue<JobData>>,
  redis: Redis,
  keys: RedisKeys,
  filter: { app?: string; limit?: number },
  now = Date.now(),
): Promise<JobSummary[]> {
  const queues = Array.isArray(queue) ? queue : [queue as Queue<JobData>];
  const lists = await Promise.all(
    queues.map((q) =>
      Promise.all([
        q.getJobs(['active'], 0, LIST_SCAN_MAX - 1, true),
        q.getJobs(['wait', 'prioritized', 'delayed'], 0, LIST_SCAN_MAX - 1, true),
      ]),
    ),
  );
  const active = lists.flatMap((l) => l[0]);
  const later = lists.flatMap((l) => l[1]);
  const byTime = (a: { timestamp: number }, b: { timestamp: number }) => a.timestamp - b.timestamp;
  const jobs = [
    ...active.sort(byTime).map((job) => ({ job, running: true })),
    ...later.sort(byTime).map((job) => ({ job, running: false })),
  ];
  const records =
    jobs.length === 0
      ? []
      : await readRecords(
          redis,
          keys,
          jobs.map(({ job }) => job.data.id),
        );
  const summaries: JobSummary[] = [];
  const scheduled: JobSummary[] = [];
  let position = 0;
  jobs.forEach(({ job, running }, i) => {
    const [state, waited] = records[i] ?? [];
    if (state === 'abandoned' || state === 'finished') return;
    const data = job.data;
    // Still held for its time: no worker took it yet and it was not let run early (runNow sets the delay to 0).
    const later = !running && data.runAt !== undefined && Date.parse(data.runAt) > now && job.delay > 0 && !job.attemptsStarted;
    if (!running && !later) position += 1;
    if (filter.app && data.app !== filter.app) return;
    (later ? scheduled : summaries).push({
      id: data.id,
      command: data.command,
      kind: data.kind,
      ...(data.app ? { app: data.app } : {}),
      env: data.env,
      state: running ? 'running' : later ? 'scheduled' : waited || state === 'pending' ? 'waiting' : 'queued',
      ...(running || later ? {} : { position }),
      ...(later ? { runAt: data.runAt } : {}),
      ...(!running && waited ? { waitingFor: waited } : {}),
      requestedBy: data.requestedBy,
      requestedAt: data.requestedAt,
      ...(data.thread.platform === 'local' && data.thread.meta?.thread ? { thread: data.thread.meta.thread } : {}),
    });
  });
  scheduled.sort((a, b) => Date.parse(a.runAt!) - Date.parse(b.runAt!));
  return [...summaries, ...scheduled].slice(0, filter.limit ?? LIST_DEFAULT_LIMIT);
}

async function readRecords(redis: Redis, keys: RedisKeys, ids: string[]): Promise<Array<[string | null, string | null]>> {
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(keys.job(id), JOB_FIELD.state, JOB_FIELD.waited);
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => (err ? [null, null] : (value as [string | null, string | null])));
}
