import { type BackendFactory, createRedisBackend, type RedisQueueBackend } from 'bullmq';
import { moveToFinished } from 'bullmq/dist/esm/scripts/moveToFinished-14.js';
import type { Redis } from 'ioredis';
import { luaScript } from '../store/lua-script.ts';
import { endLua, type EndWrite } from './job-end.ts';

/** BullMQ's completion script (moveToFinished) takes 14 keys and 9 arguments. */
const FINISH_KEYS = 14;
const FINISH_ARGS = 9;

/**
 * A job's end, then BullMQ's completion of the job, in one script: the end's writes (endLua, on
 * the keys and arguments after BullMQ's) open BullMQ's own script text, unchanged. Built from the
 * installed BullMQ, so it follows an upgrade; if the script's shape changes, ends go by themselves.
 */
const END_AND_FINISH =
  moveToFinished.keys === FINISH_KEYS ? luaScript(`${endLua(FINISH_KEYS, FINISH_ARGS, '')}${moveToFinished.content}`) : undefined;

export interface CompletionRides {
  /**
   * Hands the end of job `jobId` to BullMQ's completion of it, sent when its processor has
   * returned. `alone` sends the end by itself: called instead when no completion comes in this
   * turn (a closing worker does not complete), or when the completion fails (the end is written
   * once, so sending it again is safe).
   */
  hand(jobId: string, write: EndWrite, alone: () => void): void;
  /** The job ended without completing (its processor threw): its end, if handed, is sent by itself now. */
  release(jobId: string): void;
  /** For the BullMQ worker (its fourth argument): its completions carry the ends handed here. */
  readonly backendFactory: BackendFactory<RedisQueueBackend>;
}

interface Ride {
  write: EndWrite;
  alone: () => void;
}

/**
 * Ends that ride on BullMQ's completion: a job that holds no app costs the worker one command,
 * as a bare BullMQ job does (the decision: docs/decisions/2026-12-04-queue-hot-path.md).
 */
export function completionRides(): CompletionRides {
  const rides = new Map<string, Ride>();
  const take = (jobId: string) => {
    const ride = rides.get(jobId);
    if (ride) rides.delete(jobId);
    return ride;
  };
  return {
    hand(jobId, write, alone) {
      if (!END_AND_FINISH) return alone();
      const ride = { write, alone };
      rides.set(jobId, ride);
      // BullMQ sends the completion in the promise callbacks that follow the processor's return;
      // process.nextTick runs once those (and the ones they queue) have run (write-together.ts).
      process.nextTick(() => {
        if (rides.get(jobId) === ride) take(jobId)?.alone();
      });
    },
    release: (jobId) => take(jobId)?.alone(),
    backendFactory(name, opts, flags) {
      const backend = createRedisBackend(name, opts, flags);
      const exec = backend.execCommand.bind(backend);
      backend.execCommand = (client, command, args: unknown[]) => {
        const ride =
          command === 'moveToFinished' && args.length === FINISH_KEYS + FINISH_ARGS ? take(String(args[FINISH_KEYS])) : undefined;
        if (!ride || !END_AND_FINISH) return exec(client, command, args);
        const keys = [...(args.slice(0, FINISH_KEYS) as string[]), ...ride.write.keys];
        const argv = [...(args.slice(FINISH_KEYS) as Array<string | number>), ...ride.write.args];
        return END_AND_FINISH.run(client as unknown as Redis, keys, argv).catch((err: unknown) => {
          ride.alone();
          throw err;
        });
      };
      return backend;
    },
  };
}
