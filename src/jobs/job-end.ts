import type { Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import type { Logger } from '../observability/logger.ts';
import { JOB_FIELD, STREAM_TTL_SECONDS } from '../store/job-fields.ts';
import type { RedisKeys } from '../store/keys.ts';
import { luaScript } from '../store/lua-script.ts';
import { writeTogether } from '../store/write-together.ts';
import type { JobEvent } from './job-event.ts';
import type { Settler } from './settle-writes.ts';

// KEYS: job, userJobs, events. ARGV: id, stream length, stream TTL, events… Written once: a job
// whose record says it is over already had its last events written (by this script).
const END = luaScript(`
if redis.call('HGET', KEYS[1], '${JOB_FIELD.state}') == 'finished' then return 0 end
for i = 4, #ARGV do redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[i]) end
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('HSET', KEYS[1], '${JOB_FIELD.state}', 'finished')
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`);

/**
 * Writes a job's last events (its `done` and what came with it) and "the job is over" (its
 * record `finished`, off its user's cap; job-state.ts) in one command. Sent again after an
 * unclear failure it writes nothing twice. True when this call wrote them.
 */
export async function endJob(
  redis: Redis,
  keys: RedisKeys,
  data: JobData,
  events: readonly JobEvent[],
  maxEntries: number,
): Promise<boolean> {
  const wrote = await END.run(
    redis,
    [keys.job(data.id), keys.userJobs(data.requestedBy.id), keys.events(data.id)],
    [data.id, maxEntries, STREAM_TTL_SECONDS, ...events.map((e) => JSON.stringify(e))],
  );
  return wrote === 1;
}

export interface JobEnd {
  /** The job stream writer's `end` (job-stream.ts): sends the last batch, without waiting for it. */
  send(events: JobEvent[], maxEntries: number): void;
  /** Resolves once the last batch is in Redis (or its first try failed and it is being sent again). */
  landed(): Promise<void>;
}

/**
 * A running job's last write, on `connection`, the BullMQ worker's own client: Redis has it
 * before the completion BullMQ sends right after on that connection, and both usually leave in
 * one write (writeTogether), so a job costs the worker one round trip more than bare BullMQ's,
 * not two. A failed write is handed to `settler`, which sends it again on `redis`.
 */
export function jobEnd(opts: { connection: Redis; redis: Redis; keys: RedisKeys; data: JobData; log: Logger; settler: Settler }): JobEnd {
  const { connection, redis, keys, data } = opts;
  let sent: Promise<void> = Promise.resolve();
  return {
    send(events, maxEntries) {
      writeTogether(connection);
      sent = endJob(connection, keys, data, events, maxEntries).then(
        () => undefined,
        (err: unknown) => {
          opts.log.warn('could not write the end of a job; trying again', { jobId: data.id, err });
          opts.settler.settle(`end ${data.id}`, () => endJob(redis, keys, data, events, maxEntries));
        },
      );
    },
    landed: () => sent,
  };
}
