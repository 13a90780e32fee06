import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type LoadedConfig, validateConfig } from '../../src/config/load-config.ts';
import type { JobData } from '../../src/core/types.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { startScheduleTicks } from '../../src/schedule/schedule-ticks.ts';
import { SCHEDULE_QUEUE, syncSchedulers, type TickData } from '../../src/schedule/sync-schedulers.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { createSystemJobs, type SystemJobRequest } from '../../src/store/record-system-job.ts';
import { redisConnector } from '../../src/store/redis-connector.ts';
import { waitFor } from '../support/wait-for.ts';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
});

const target = { platform: 'local', channel: 'ops' };
const configOf = (schedules: unknown[]): LoadedConfig => validateConfig({ schedules }, '/tmp/voxoz.yml');

function fresh() {
  const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
  const connect = redisConnector(inject('redisUrl'));
  const redis = connect('commands', 'test');
  closers.push(() => redis.quit());
  return { keys, connect, redis };
}

describe('BullMQ job schedulers follow schedules:', () => {
  it('upserts one per schedule with its cron and zone, and removes a renamed one', async () => {
    const { keys, redis } = fresh();
    const queue = new Queue<TickData>(SCHEDULE_QUEUE, { connection: redis.duplicate(), prefix: keys.bull });
    closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
    const first = configOf([
      { name: 'morning', cron: '0 9 * * *', timezone: 'Europe/Kyiv', target },
      { name: 'evening', cron: '0 18 * * 1-5', target },
    ]).schedules;
    expect(await syncSchedulers(queue, first)).toEqual({ upserted: ['morning', 'evening'], removed: [] });
    const shown = async () =>
      (await queue.getJobSchedulers(0, -1))
        .map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))
        .sort((a, b) => a.key.localeCompare(b.key));
    expect(await shown()).toEqual([
      { key: 'evening', pattern: '0 18 * * 1-5', tz: 'UTC' },
      { key: 'morning', pattern: '0 9 * * *', tz: 'Europe/Kyiv' },
    ]);
    // "evening" renamed "late"; syncing twice changes nothing more.
    const second = configOf([first[0], { name: 'late', cron: '0 18 * * 1-5', target }]).schedules;
    expect(await syncSchedulers(queue, second)).toEqual({ upserted: ['morning', 'late'], removed: ['evening'] });
    expect(await syncSchedulers(queue, second)).toEqual({ upserted: ['morning', 'late'], removed: [] });
    expect((await shown()).map((s) => s.key)).toEqual(['late', 'morning']);
  });

  it('warns at sync about a schedule whose platform this process has no adapter for', async () => {
    const { keys, connect } = fresh();
    const config = configOf([
      { name: 'here', cron: '0 9 * * *', target },
      { name: 'there', cron: '0 9 * * *', target: { platform: 'slack', channel: 'C0123ABCD' } },
    ]);
    const warned: string[] = [];
    const log = { ...silentLogger, info: () => undefined, warn: (msg: string) => warned.push(msg) } as typeof silentLogger;
    const ticks = startScheduleTicks({
      connect,
      keys,
      config: () => config,
      systemJobs: { record: async () => ({}) as never },
      log,
      platforms: ['local'],
    });
    closers.push(
      () => ticks.close(),
      () => ticks.queue.obliterate({ force: true }),
    );
    await ticks.sync();
    expect(warned).toEqual([
      'schedule there posts to slack, which this voxoz is not connected to; its summaries wait for a bot process that is',
    ]);
  });

  it('two bot processes on one Redis turn each tick of an every-second schedule into exactly one summary job', async () => {
    const { keys, connect, redis } = fresh();
    const config = configOf([{ name: 'fast', cron: '* * * * * *', target }]);
    const jobsQueue = new Queue<JobData>('jobs', { connection: redis.duplicate(), prefix: keys.bull });
    closers.push(() => jobsQueue.obliterate({ force: true }).then(() => jobsQueue.close()));
    const recorded = new Map<string, number>();
    const processes = [1, 2].map(() => {
      const jobs = createSystemJobs({ redis, queue: jobsQueue, keys, config: () => config });
      // Counts each tick a process handles, before the recording's own dedup by id could hide a second one.
      const counting = {
        record: (req: SystemJobRequest) => {
          recorded.set(req.id!, (recorded.get(req.id!) ?? 0) + 1);
          return jobs.record(req);
        },
      };
      const ticks = startScheduleTicks({ connect, keys, config: () => config, systemJobs: counting, log: silentLogger });
      closers.push(
        () => jobs.close(),
        () => ticks.close(),
      );
      return ticks;
    });
    await Promise.all(processes.map((p) => p.sync()));
    await waitFor('4 ticks', () => recorded.size >= 4, 15_000);
    await processes[0]!.queue.removeJobScheduler('fast');
    await Promise.all(processes.map((p) => p.close()));

    expect([...recorded.values()].every((n) => n === 1)).toBe(true);
    const queued = await jobsQueue.getJobs(['wait', 'delayed', 'prioritized']);
    const data = queued.map((j) => j.data);
    expect(data.map((d) => d.id).sort()).toEqual([...recorded.keys()].sort());
    const ticks = data.map((d) => Date.parse(String(d.args.tick)));
    expect(new Set(ticks.map((t) => Math.floor(t / 1000))).size).toBe(ticks.length);
    for (const d of data) {
      expect(d).toMatchObject({
        kind: 'summary',
        command: 'summary fast',
        requestedBy: { id: 'system:schedule' },
        thread: { platform: 'local', conversation: 'ops' },
      });
      expect(d.args.schedule).toBe('fast');
    }
  });
});
