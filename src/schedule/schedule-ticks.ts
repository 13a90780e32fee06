import { type Job, Queue, Worker } from 'bullmq';
import type { LoadedConfig } from '../config/load-config.ts';
import type { Logger } from '../observability/logger.ts';
import type { RedisKeys } from '../store/keys.ts';
import type { SystemJobRecorder } from '../store/record-system-job.ts';
import type { RedisConnector } from '../store/redis-connector.ts';
import { quietReason } from './is-quiet.ts';
import { SCHEDULE_QUEUE, syncSchedulers, type TickData } from './sync-schedulers.ts';
import { quitRedis } from '../store/quit-redis.ts';

export interface ScheduleTicksDeps {
  connect: RedisConnector;
  keys: RedisKeys;
  config: () => LoadedConfig;
  systemJobs: SystemJobRecorder;
  log: Logger;
  /** The chat platforms this process has adapters for; a schedule targeting another is warned about (another bot process may relay it). */
  platforms?: ReadonlyArray<string>;
}

/**
 * What one tick does: the schedule as configured now becomes a `summary` system job posted to
 * its target (requester `system:schedule`), unless the tick falls in its quiet time (skipped,
 * and the log says so) or the schedule is gone (a tick queued before a reload). The job id is
 * derived from the schedule and the tick, so a retried tick queues its summary once.
 */
export async function handleTick(deps: Omit<ScheduleTicksDeps, 'connect' | 'keys'>, name: string, tickMs: number): Promise<string> {
  const schedule = deps.config().schedules.find((s) => s.name === name);
  if (!schedule) {
    deps.log.info('schedule tick skipped: no such schedule in voxoz.yml any more', { schedule: name });
    return 'unknown';
  }
  const tick = new Date(tickMs);
  const quiet = quietReason(schedule, tick);
  if (quiet) {
    deps.log.info(`schedule ${name}: summary skipped, ${quiet} (${schedule.timezone})`, { schedule: name, tick: tick.toISOString() });
    return 'quiet';
  }
  await deps.systemJobs.record({
    kind: 'summary',
    why: 'schedule',
    command: `summary ${name}`,
    args: { schedule: name, tick: tick.toISOString() },
    thread: { platform: schedule.target.platform, conversation: schedule.target.channel },
    id: `schedule-${name}-${tickMs}`,
  });
  return 'queued';
}

/**
 * The bot process's side of schedules: the queue whose job schedulers `sync` makes match the
 * config (at start and on reload), and a worker that turns each tick into a summary job. Every
 * bot process runs one; BullMQ hands each tick to one of them.
 */
export function startScheduleTicks(deps: ScheduleTicksDeps) {
  const queueConnection = deps.connect('commands', 'voxoz-schedules');
  const queue = new Queue<TickData>(SCHEDULE_QUEUE, { connection: queueConnection, prefix: deps.keys.bull });
  queue.on('error', () => undefined);
  const workerConnection = deps.connect('blocking', 'voxoz-schedule-ticks');
  const worker = new Worker<TickData>(
    SCHEDULE_QUEUE,
    (job: Job<TickData>) => handleTick(deps, job.data.schedule, (job.opts as { prevMillis?: number }).prevMillis ?? job.timestamp),
    { connection: workerConnection, prefix: deps.keys.bull, concurrency: 1 },
  );
  worker.on('error', (err) => deps.log.warn('schedule worker error', { err }));
  return {
    queue,
    /** Makes the job schedulers match the config now; logs what it changed. */
    async sync(): Promise<void> {
      const { upserted, removed } = await syncSchedulers(queue, deps.config().schedules);
      deps.log.info('schedules synced', { schedules: upserted, removed });
      for (const s of deps.config().schedules)
        if (deps.platforms && !deps.platforms.includes(s.target.platform))
          deps.log.warn(
            `schedule ${s.name} posts to ${s.target.platform}, which this voxoz is not connected to; its summaries wait for a bot process that is`,
            {
              schedule: s.name,
            },
          );
    },
    async close(): Promise<void> {
      await worker.close();
      await queue.close();
      await Promise.all([quitRedis(workerConnection), quitRedis(queueConnection)]);
    },
  };
}

export type ScheduleTicks = ReturnType<typeof startScheduleTicks>;
