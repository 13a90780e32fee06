import type { Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import { JOB_FIELD } from '../store/job-fields.ts';
import { createJobStore } from '../store/job-store.ts';
import type { RedisKeys } from '../store/keys.ts';

/**
 * The line of mutating jobs per app+env: a Redis list of job ids, first come first served.
 * A worker handed such a job joins it to the line; only the head runs, the others are parked
 * in BullMQ's delayed set and promoted, one at a time, when the job ahead of them leaves the
 * line (it ended, failed for good or was cancelled). The park also has a deadline
 * (`LINE_RECHECK_MS`), so a promotion lost to a crash costs a wait, never the job.
 * The app+env lock (app-lock.ts) still guards the change itself; the line decides the order.
 */

/** Longest a parked job waits before it looks at the line again (a lost promotion's cost). @defaultValue 30000 */
export const LINE_RECHECK_MS = 30_000;
/** Most jobs behind the head told their new position when the line moves. @defaultValue 20 */
export const LINE_NOTIFY_MAX = 20;

// KEYS: line. ARGV: id, job key prefix, state field.
// Heads whose record says they are over (or that expired) are dropped first: a job that died
// without leaving cannot hold the line.
const JOIN = `
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head or head == ARGV[1] then break end
  local s = redis.call('HGET', ARGV[2] .. head, ARGV[3])
  if s == 'finished' or s == 'abandoned' or not s then redis.call('LREM', KEYS[1], 0, head) else break end
end
if not redis.call('LPOS', KEYS[1], ARGV[1]) then redis.call('RPUSH', KEYS[1], ARGV[1]) end
return {redis.call('LPOS', KEYS[1], ARGV[1]), redis.call('LINDEX', KEYS[1], 0)}`;

// KEYS: line. ARGV: id, how many to return. Returns the line after the job left it.
const LEAVE = `
redis.call('LREM', KEYS[1], 0, ARGV[1])
return redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)`;

export type LinePlace = { head: true } | { head: false; position: number; ahead: string };

const lineKey = (keys: RedisKeys, data: JobData) => keys.appLine(data.app ?? '', data.env);

/** Puts the job in its app+env line (once) and says whether it is the one to run. Position 1 is the head. */
export async function joinAppLine(redis: Redis, keys: RedisKeys, data: JobData): Promise<LinePlace> {
  const [index, head] = (await redis.eval(JOIN, 1, lineKey(keys, data), data.id, keys.jobPrefix, JOB_FIELD.state)) as [number, string];
  return index === 0 ? { head: true } : { head: false, position: index + 1, ahead: head };
}

/** The job at the head of the app+env line, if any. */
export async function lineHead(redis: Redis, keys: RedisKeys, data: JobData): Promise<string | undefined> {
  return (await redis.lindex(lineKey(keys, data), 0)) ?? undefined;
}

/** Takes the job out of its line and returns who is in it now, head first (at most LINE_NOTIFY_MAX). */
export async function leaveAppLine(redis: Redis, keys: RedisKeys, data: JobData): Promise<string[]> {
  return (await redis.eval(LEAVE, 1, lineKey(keys, data), data.id, LINE_NOTIFY_MAX)) as string[];
}

/** What a parked job's thread says about its place. */
export const waitingLine = (ahead: string, position: number) => `waiting behind job ${ahead} (position ${position})`;

/**
 * The job left its line (it is over): the new head is promoted out of the delayed set, and each
 * job still behind it is told its new place in its thread.
 */
export async function advanceAppLine(
  redis: Redis,
  keys: RedisKeys,
  data: JobData,
  promote: (jobId: string) => Promise<void>,
  now: () => Date,
): Promise<void> {
  const [head, ...behind] = await leaveAppLine(redis, keys, data);
  if (!head) return;
  await promote(head).catch(() => undefined);
  const store = createJobStore(redis, keys);
  await Promise.all(
    behind.map(async (id, i) => {
      const note = waitingLine(head, i + 2);
      if (await store.noteWait(id, head, note)) await store.append(id, { type: 'log', at: now().toISOString(), line: note });
    }),
  );
}
