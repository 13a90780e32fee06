import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { JobData } from '../../src/core/types.ts';
import { UserError } from '../../src/core/user-error.ts';
import { completionRides } from '../../src/jobs/end-with-completion.ts';
import { endWrite } from '../../src/jobs/job-end.ts';
import { processors } from '../../src/jobs/processors/index.ts';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import { JOB_FIELD } from '../../src/store/job-fields.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { monitorRedis } from '../support/redis-monitor.ts';
import { scriptedDriver } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { statusJob } from '../support/status-job.ts';

let spine: Spine | undefined;
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await spine?.close();
  spine = undefined;
});

/** Every EVAL/EVALSHA the server runs from now on, as [numkeys, ...keys and arguments] (MONITOR). */
async function scriptsRun(): Promise<string[][]> {
  const seen: string[][] = [];
  const monitor = await monitorRedis(inject('redisUrl'), (args) => {
    const [command = ''] = args;
    if (/^eval(sha)?$/i.test(command)) seen.push(args.slice(2));
  });
  closers.push(() => monitor.close());
  return seen;
}

const lastEvents = [{ type: 'done' as const, at: new Date().toISOString(), outcome: 'succeeded' as const, result: { title: 'fine' } }];

describe("a job's end rides on BullMQ's completion", () => {
  it('a job that holds no app: its end and the completion are one script; a deploy and a failed job send theirs by themselves first', async () => {
    let fail = false;
    spine = await startSpine({ docker: scriptedDriver() });
    const s = spine;
    const scripts = await scriptsRun();
    await s.startWorkers(2, {
      processors: {
        ...processors,
        status: {
          mutates: false,
          run: async () => {
            if (fail) throw new UserError('no-such-thing', 'no such thing; ask for hello');
            return { title: 'status hello: fine' };
          },
        },
      },
    });
    const over = async (id: string) =>
      waitUntil(
        `job ${id} over`,
        async () => (await readWholeJobStream(s.redis, s.keys, id)).some((e) => e.event.type === 'done'),
        15_000,
        20,
      );
    const statuses: string[] = [];
    for (const user of ['ann', 'bob', 'cy']) {
      const { job } = await s.say(user, 'status hello');
      statuses.push(job!);
    }
    for (const id of statuses) await over(id);
    const { job: deploy } = await s.say('dee', 'deploy hello');
    await over(deploy!);
    fail = true;
    const { job: failed } = await s.say('eve', 'status hello');
    await over(failed!);
    const queue = new Queue<JobData>('jobs', { connection: s.redis, prefix: s.keys.bull });
    closers.push(() => queue.close());
    await waitUntil(
      'BullMQ finished them all',
      async () => (await queue.getFailedCount()) === 1 && (await queue.getCompletedCount()) === 4,
      10_000,
      20,
    );

    // The end: the job's record, its user's jobs, its events, then the last events (the `done`).
    // Alone it has those 3 keys; riding on the completion, BullMQ's 14 keys come first. (A script
    // new to the server shows twice: EVALSHA refused, then EVAL.)
    const isEnd = (a: string[], id: string, before: number) =>
      a[0] === String(before + 3) &&
      a[before + 1] === s.keys.job(id) &&
      a[before + 3] === s.keys.events(id) &&
      a.some((x) => x.includes('"type":"done"'));
    const ends = (id: string, before: number) => scripts.filter((a) => isEnd(a, id, before)).length;
    const alone = (id: string) => ends(id, 0);
    const riding = (id: string) => ends(id, 14);
    for (const id of statuses) {
      expect({ id, alone: alone(id), riding: riding(id) > 0 }).toEqual({ id, alone: 0, riding: true });
      expect(await (await Job.fromId(queue, id))?.getState()).toBe('completed');
    }
    expect({ alone: alone(deploy!) > 0, riding: riding(deploy!) }).toEqual({ alone: true, riding: 0 });
    // The deploy held the app: its end is in Redis before the app's lock is let go.
    const deployEnd = scripts.findIndex((a) => isEnd(a, deploy!, 0));
    const lockLetGo = scripts.reduce((last, a, i) => (a[0] === '1' && a[1] === s.keys.appLock('hello', 'production') ? i : last), -1);
    expect(deployEnd).toBeGreaterThan(-1);
    expect(deployEnd).toBeLessThan(lockLetGo);
    expect({ alone: alone(failed!) > 0, riding: riding(failed!) }).toEqual({ alone: true, riding: 0 });
    expect(await (await Job.fromId(queue, failed!))?.getState()).toBe('failed');
    for (const id of [...statuses, deploy!, failed!]) {
      const events = (await readWholeJobStream(s.redis, s.keys, id)).map((e) => e.event.type);
      expect(events.filter((t) => t === 'done')).toHaveLength(1);
      expect(await s.redis.hget(s.keys.job(id), JOB_FIELD.state)).toBe('finished');
    }
    for (const user of ['ann', 'bob', 'cy', 'dee', 'eve']) expect(await s.redis.zcard(s.keys.userJobs(`local:${user}`))).toBe(0);
  });
});

describe('an end handed to the completion', () => {
  const keys = redisKeys(`rides-${process.pid}`);
  it('is sent by itself when no completion comes in that turn, or when the job ended without completing', async () => {
    const rides = completionRides();
    const sent: string[] = [];
    rides.hand('a', endWrite(keys, statusJob('a'), lastEvents, 100), () => sent.push('a'));
    rides.hand('b', endWrite(keys, statusJob('b'), lastEvents, 100), () => sent.push('b'));
    rides.release('b');
    expect(sent).toEqual(['b']);
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual(['b', 'a']);
    rides.release('a');
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual(['b', 'a']);
  });

  it('is sent by itself when the completion fails, and the failure reaches BullMQ', async () => {
    const rides = completionRides();
    const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    closers.push(() => redis.quit());
    const backend = rides.backendFactory('rides', { connection: redis });
    closers.push(() => backend.close());
    // A client cut off from Redis: its commands fail at once.
    const cut = new Redis(inject('redisUrl'), { lazyConnect: true, enableOfflineQueue: false });
    let alone = 0;
    rides.hand('c', endWrite(keys, statusJob('c'), lastEvents, 100), () => alone++);
    const finishArgs = [...Array.from({ length: 14 }, (_, i) => `k${i}`), 'c', ...Array.from({ length: 8 }, (_, i) => `a${i}`)];
    await expect(backend.execCommand(cut as never, 'moveToFinished', finishArgs)).rejects.toThrow(/writeable|closed|connect/i);
    expect(alone).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(alone).toBe(1);
  });
});
