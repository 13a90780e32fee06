import type { ChainableCommander, Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import { jobDone } from '../store/job-done.ts';
import { ABANDONED_TTL_S, JOB_FIELD, STREAM_TTL_SECONDS } from '../store/job-fields.ts';
import type { RedisKeys } from '../store/keys.ts';
import { luaScript } from '../store/lua-script.ts';
import type { JobEvent } from './job-event.ts';
import { type Clock, systemClock } from '../core/clock.ts';

export { ABANDONED_TTL_S };

/**
 * The life of a job record (field `state` of `keys.job(id)`), each step one Lua script so it
 * is decided once, in Redis, whatever the timing:
 *
 *   pending ──confirm──▶ confirmed ──claim──▶ started ──finish──▶ finished
 *      └────abandon (the enqueuer gave up) / expiry (a worker gave up waiting)──▶ abandoned
 *
 * `reserve` writes the pending record before the BullMQ job exists. The enqueuer sends
 * `confirm` only after it has told the user "queued", so a command the user was told was not
 * queued never becomes runnable: a worker runs only a confirmed job and abandons one still
 * pending CONFIRM_WAIT_MS after its reservation. Records written before states existed (no
 * `state`, but `data`) count as confirmed.
 */

/** How long a worker leaves a pending job for its confirm before abandoning it. @defaultValue 10000 */
export const CONFIRM_WAIT_MS = 10_000;
/** A user's unfinished-job entry older than this no longer counts against their cap (a leak guard). @defaultValue 24 h */
export const USER_JOB_MAX_AGE_MS = 24 * 3600 * 1000;

// The job store's field names, quoted for the scripts below (they are constants, never input).
const F = Object.fromEntries(Object.entries(JOB_FIELD).map(([k, v]) => [k, `'${v}'`])) as Record<keyof typeof JOB_FIELD, string>;

// Redis' own clock, in ms: every deadline is measured on one clock, whoever checks it.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const ABANDON = `redis.call('HSET', KEYS[1], ${F.state}, 'abandoned') redis.call('EXPIRE', KEYS[1], ARGV[3]) redis.call('ZREM', KEYS[2], ARGV[1])`;

// KEYS: job, userJobs. ARGV: id, data, abandonedTtl, max, maxAge, jobPrefix, waitMs, user.
// The cap counts the user's unfinished jobs; when it is reached, entries whose record says they
// are over (or were never confirmed in time) are dropped first, so a leak cannot lock a user out.
const RESERVE = `${NOW}
local state = redis.call('HGET', KEYS[1], ${F.state})
if state == 'abandoned' then return {'abandoned', 0} end
if state or redis.call('HEXISTS', KEYS[1], ${F.data}) == 1 then return {'duplicate', 0} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[5]))
local max = tonumber(ARGV[4])
if redis.call('ZCARD', KEYS[2]) >= max then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    local s = redis.call('HMGET', ARGV[6] .. id, ${F.state}, ${F.pendingSince}, ${F.data})
    local over = (not s[1] and not s[3]) or s[1] == 'abandoned' or s[1] == 'finished'
    if s[1] == 'pending' and now > tonumber(s[2]) + tonumber(ARGV[7]) then over = true end
    if over then redis.call('ZREM', KEYS[2], id) end
  end
  local n = redis.call('ZCARD', KEYS[2])
  if n >= max then return {'capped', n} end
end
redis.call('HSET', KEYS[1], ${F.data}, ARGV[2], ${F.state}, 'pending', ${F.pendingSince}, now, ${F.user}, ARGV[8])
redis.call('ZADD', KEYS[2], now, ARGV[1])
return {'reserved', now}`;

// KEYS: job, events, relayActive. ARGV: id, queued event, dropped event, stream TTL.
const CONFIRM = `
local state = redis.call('HGET', KEYS[1], ${F.state})
if state == 'pending' then
  redis.call('HSET', KEYS[1], ${F.state}, 'confirmed')
  redis.call('XADD', KEYS[2], '*', 'e', ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  redis.call('SADD', KEYS[3], ARGV[1])
  return 'confirmed'
end
if state == 'abandoned' and redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 0 then
  -- The user was told "queued" but no worker saw the confirm in time: the thread says so.
  redis.call('XADD', KEYS[2], '*', 'e', ARGV[2])
  redis.call('XADD', KEYS[2], '*', 'e', ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  redis.call('SADD', KEYS[3], ARGV[1])
  return 'too-late'
end
return state or 'missing'`;

// KEYS: job, userJobs. ARGV: id, unused, abandonedTtl. Only a pending job can be abandoned.
const ABANDON_PENDING = `
if redis.call('HGET', KEYS[1], ${F.state}) ~= 'pending' then return 0 end
${ABANDON}
return 1`;

// KEYS: job, userJobs, events. ARGV: id, waitMs, abandonedTtl, started event ('' = none), stream TTL.
// A job that may run gets its `started` event in the same step, when the worker starts it at once.
const CLAIM = luaScript(`${NOW}
local s = redis.call('HMGET', KEYS[1], ${F.state}, ${F.pendingSince}, ${F.data})
local state = s[1]
if not state then if s[3] then state = 'confirmed' else return {'drop', 'missing'} end end
if state == 'confirmed' or state == 'started' then
  redis.call('HSET', KEYS[1], ${F.state}, 'started')
  if ARGV[4] ~= '' then
    redis.call('XADD', KEYS[3], '*', 'e', ARGV[4])
    redis.call('EXPIRE', KEYS[3], ARGV[5])
  end
  return {'run', ''}
end
if state == 'pending' then
  local due = tonumber(s[2]) + tonumber(ARGV[2])
  if now <= due then return {'wait', tostring(due - now + 1)} end
  ${ABANDON}
  return {'drop', 'never confirmed'}
end
return {'drop', state}`);

export type Reservation = { result: 'reserved' | 'duplicate' | 'abandoned' } | { result: 'capped'; count: number };
export type Claim = { verdict: 'run' } | { verdict: 'wait'; ms: number } | { verdict: 'drop'; why: string };

const ids = (keys: RedisKeys, data: JobData) => [keys.job(data.id), keys.userJobs(data.requestedBy.id)] as const;

/** Writes the pending record and counts it against the user's cap, unless either forbids it. */
export async function reserveJob(redis: Redis, keys: RedisKeys, data: JobData, maxQueued: number): Promise<Reservation> {
  const [result, count] = (await redis.eval(
    RESERVE,
    2,
    ...ids(keys, data),
    data.id,
    JSON.stringify(data),
    ABANDONED_TTL_S,
    maxQueued,
    USER_JOB_MAX_AGE_MS,
    keys.jobPrefix,
    CONFIRM_WAIT_MS,
    data.requestedBy.id,
  )) as [string, number];
  return result === 'capped' ? { result, count } : { result: result as 'reserved' | 'duplicate' | 'abandoned' };
}

/** Makes a pending job runnable and visible to the relay; send it only once the user was told "queued". */
export async function confirmJob(redis: Redis, keys: RedisKeys, data: JobData, now: Clock = systemClock): Promise<string> {
  const queued = JSON.stringify({ type: 'queued', at: data.requestedAt });
  const dropped = JSON.stringify(jobDone.tooLate(now().toISOString(), data.command));
  return (await redis.eval(
    CONFIRM,
    3,
    keys.job(data.id),
    keys.events(data.id),
    keys.relayActive,
    data.id,
    queued,
    dropped,
    STREAM_TTL_SECONDS,
  )) as string;
}

/** Marks a job that was never confirmed as abandoned (the user was told nothing was queued). True if it was pending. */
export async function abandonJob(redis: Redis, keys: RedisKeys, data: JobData): Promise<boolean> {
  return (await redis.eval(ABANDON_PENDING, 2, ...ids(keys, data), data.id, '', ABANDONED_TTL_S)) === 1;
}

/**
 * What a worker may do with a job it was handed: run it, look again in `ms`, or drop it unrun.
 * With `started`, a job that may run has that event on its stream when this resolves.
 */
export async function claimJob(
  redis: Redis,
  keys: RedisKeys,
  data: JobData,
  waitMs = CONFIRM_WAIT_MS,
  started?: Extract<JobEvent, { type: 'started' }>,
): Promise<Claim> {
  const [verdict, detail] = (await CLAIM.run(
    redis,
    [...ids(keys, data), keys.events(data.id)],
    [data.id, waitMs, ABANDONED_TTL_S, started ? JSON.stringify(started) : '', STREAM_TTL_SECONDS],
  )) as [string, string];
  if (verdict === 'run') return { verdict };
  if (verdict === 'wait') return { verdict, ms: Number(detail) };
  return { verdict: 'drop', why: detail };
}

/**
 * Queues "the job is over (succeeded, failed for good, cancelled)" on `pipeline`: it no longer
 * counts against its user's cap. Two plain writes, each final on its own (no script needed). A
 * worker writes them with the job's last events instead (job-end.ts).
 */
export function queueFinish(pipeline: ChainableCommander, keys: RedisKeys, data: JobData): void {
  const [job, userJobs] = ids(keys, data);
  pipeline.hset(job, JOB_FIELD.state, 'finished');
  pipeline.zrem(userJobs, data.id);
}

/** The job is over: see queueFinish. */
export async function finishJob(redis: Redis, keys: RedisKeys, data: JobData): Promise<void> {
  const pipeline = redis.pipeline();
  queueFinish(pipeline, keys, data);
  const failed = (await pipeline.exec())?.find(([err]) => err);
  if (failed) throw failed[0];
}
