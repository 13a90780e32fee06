import type { Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import type { Logger } from '../observability/logger.ts';
import { JOB_FIELD, STREAM_TTL_SECONDS } from '../store/job-fields.ts';
import type { RedisKeys } from '../store/keys.ts';
import { luaScript } from '../store/lua-script.ts';
import { writeTogether } from '../store/write-together.ts';
import type { JobEvent } from './job-event.ts';
import type { Settler } from './settle-writes.ts';

/**
 * The end's writes as Lua, its keys from KEYS[k + 1] and its arguments from ARGV[a + 1] (so it
 * can open BullMQ's completion script; end-with-completion.ts). KEYS: job, userJobs, events.
 * ARGV: id, stream length, stream TTL, events… Written once: a job whose record says it is over
 * already had its last events written (by this script); `ifOver` is what runs then instead.
 */
export function endLua(k: number, a: number, ifOver: string): string {
  return `
if redis.call('HGET', KEYS[${k + 1}], '${JOB_FIELD.state}') == 'finished' then ${ifOver} else
for i = ${a + 4}, #ARGV do redis.call('XADD', KEYS[${k + 3}], 'MAXLEN', '~', ARGV[${a + 2}], '*', 'e', ARGV[i]) end
redis.call('EXPIRE', KEYS[${k + 3}], ARGV[${a + 3}])
redis.call('HSET', KEYS[${k + 1}], '${JOB_FIELD.state}', 'finished')
redis.call('ZREM', KEYS[${k + 2}], ARGV[${a + 1}])
end
`;
}

const END = luaScript(`${endLua(0, 0, 'return 0')}return 1`);

/** A job's end as a script's keys and arguments (endLua's). */
export interface EndWrite {
  keys: string[];
  args: Array<string | number>;
}

export function endWrite(keys: RedisKeys, data: JobData, events: readonly JobEvent[], maxEntries: number): EndWrite {
  return {
    keys: [keys.job(data.id), keys.userJobs(data.requestedBy.id), keys.events(data.id)],
    args: [data.id, maxEntries, STREAM_TTL_SECONDS, ...events.map((e) => JSON.stringify(e))],
  };
}

/**
 * Writes a job's last events (its `done` and what came with it) and "the job is over" (its
 * record `finished`, off its user's cap; job-state.ts) in one command. Sent again after an
 * unclear failure it writes nothing twice. True when this call wrote them.
 */
export async function endJob(redis: Redis, write: EndWrite): Promise<boolean> {
  return (await END.run(redis, write.keys, write.args)) === 1;
}

export interface JobEnd {
  /** The job stream writer's `end` (job-stream.ts): sends the last batch, without waiting for it. */
  send(events: JobEvent[], maxEntries: number): void;
  /** Resolves once the last batch is in Redis (or its first try failed and it is being sent again). */
  landed(): Promise<void>;
}

/**
 * A running job's last write. With `ride` (a job that holds no app: nothing waits for its end)
 * it is handed to BullMQ's completion of the job, which writes both in one script
 * (end-with-completion.ts): the job costs the worker no command of voxoz's own. Otherwise, or when
 * the completion does not come, it is sent by itself on `connection`, the BullMQ worker's own
 * client: Redis has it before the completion BullMQ sends right after on that connection, and both
 * usually leave in one write (writeTogether). A failed write is handed to `settler`, which sends
 * it again on `redis`.
 */
export function jobEnd(opts: {
  connection: Redis;
  redis: Redis;
  keys: RedisKeys;
  data: JobData;
  log: Logger;
  settler: Settler;
  /** Where ends ride on BullMQ's completion (end-with-completion.ts' CompletionRides). */
  ride?: { hand(jobId: string, write: EndWrite, alone: () => void): void } | undefined;
}): JobEnd {
  const { connection, redis, data } = opts;
  let sent: Promise<void> = Promise.resolve();
  const alone = (write: EndWrite) => {
    writeTogether(connection);
    sent = endJob(connection, write).then(
      () => undefined,
      (err: unknown) => {
        opts.log.warn('could not write the end of a job; trying again', { jobId: data.id, err });
        opts.settler.settle(`end ${data.id}`, () => endJob(redis, write));
      },
    );
  };
  return {
    send(events, maxEntries) {
      const write = endWrite(opts.keys, data, events, maxEntries);
      if (opts.ride) opts.ride.hand(data.id, write, () => alone(write));
      else alone(write);
    },
    landed: () => sent,
  };
}
