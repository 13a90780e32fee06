import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { JobData } from '../../src/core/types.ts';
import { confirmedFirstRun } from '../../src/jobs/confirm-mark.ts';
import { endJob, endWrite } from '../../src/jobs/job-end.ts';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import type { ProcessorMap } from '../../src/jobs/processors/processor.ts';
import { JOB_FIELD } from '../../src/store/job-fields.ts';
import { writeTogether } from '../../src/store/write-together.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
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

/** A `status` processor that notes the job record's state when it starts (a claim makes it `started`). */
function notingStatus(redisOf: () => Redis, seen: Map<string, string | null>): ProcessorMap {
  return {
    status: {
      mutates: false,
      run: async ({ data }) => {
        const s = spine!;
        seen.set(data.id, await redisOf().hget(s.keys.job(data.id), JOB_FIELD.state));
        return { title: `status ${data.app}: fine` };
      },
    },
  };
}

async function queueWhilePaused(s: Spine, n: number): Promise<{ queue: Queue<JobData>; ids: string[] }> {
  const queue = new Queue<JobData>('jobs', { connection: s.redis, prefix: s.keys.bull });
  closers.push(() => queue.close());
  await queue.pause();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { job } = await s.say(`u${i}`, 'status hello');
    ids.push(job!);
  }
  // The confirms (and their marks) are written after "queued" is answered.
  await waitUntil(
    'every job marked confirmed on the queue',
    async () => (await Promise.all(ids.map((id) => Job.fromId<JobData>(queue, id)))).every((j) => j?.data.confirmed === true),
    10_000,
    20,
  );
  return { queue, ids };
}

describe('a job waiting in the queue runs with one write of its own', () => {
  it('a job confirmed before a worker reaches it starts without a claim; an unmarked one is claimed; both end the same', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    const s = spine;
    const { queue, ids } = await queueWhilePaused(s, 3);
    // One job's mark is taken away, as if the worker had reached it before the mark landed.
    const unmarked = (await Job.fromId<JobData>(queue, ids[2]!))!;
    const { confirmed: _, ...plain } = unmarked.data;
    await unmarked.updateData(plain);

    const seen = new Map<string, string | null>();
    await s.startWorkers(2, { processors: notingStatus(() => s.redis, seen) });
    await queue.resume();
    await waitUntil('3 jobs completed', async () => (await queue.getCompletedCount()) === 3, 10_000, 20);

    // A claim marks the record `started` before the processor runs; the marked jobs skipped it.
    expect(seen.get(ids[0]!)).toBe('confirmed');
    expect(seen.get(ids[1]!)).toBe('confirmed');
    expect(seen.get(ids[2]!)).toBe('started');
    for (const id of ids) {
      const events = (await readWholeJobStream(s.redis, s.keys, id)).map((e) => e.event.type);
      expect(events).toEqual(['queued', 'started', 'done']);
      expect(await s.redis.hget(s.keys.job(id), JOB_FIELD.state)).toBe('finished');
    }
    // Off their users' caps.
    for (let i = 0; i < 3; i++) expect(await s.redis.zcard(s.keys.userJobs(`local:u${i}`))).toBe(0);
  });

  it("a job's end is in Redis before BullMQ says it completed", async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    const s = spine;
    const { queue, ids } = await queueWhilePaused(s, 5);
    const events = new QueueEvents('jobs', {
      connection: new Redis(inject('redisUrl'), { maxRetriesPerRequest: null }),
      prefix: s.keys.bull,
    });
    closers.push(() => events.close());
    await events.waitUntilReady();
    const atCompletion = new Map<string, { state: string | null; done: boolean }>();
    const reads: Promise<void>[] = [];
    events.on('completed', ({ jobId }) => {
      reads.push(
        (async () => {
          const state = await s.redis.hget(s.keys.job(jobId), JOB_FIELD.state);
          const done = (await readWholeJobStream(s.redis, s.keys, jobId)).some((e) => e.event.type === 'done');
          atCompletion.set(jobId, { state, done });
        })(),
      );
    });
    await s.startWorkers(2);
    await queue.resume();
    await waitUntil('5 completions seen', async () => atCompletion.size === 5, 10_000, 20);
    await Promise.all(reads);
    for (const id of ids) expect(atCompletion.get(id)).toEqual({ state: 'finished', done: true });
  });
});

describe('the end write', () => {
  it('is written once: sent again after an unclear failure, it adds nothing', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    const s = spine;
    const data = statusJob('end-once');
    await s.redis.zadd(s.keys.userJobs('local:ann'), Date.now(), data.id);
    const last = [
      { type: 'log' as const, at: data.requestedAt, line: 'checked' },
      { type: 'done' as const, at: data.requestedAt, outcome: 'succeeded' as const, result: { title: 'fine' } },
    ];
    expect(await endJob(s.redis, endWrite(s.keys, data, last, 100))).toBe(true);
    expect(await endJob(s.redis, endWrite(s.keys, data, last, 100))).toBe(false);
    expect((await readWholeJobStream(s.redis, s.keys, data.id)).map((e) => e.event.type)).toEqual(['log', 'done']);
    expect(await s.redis.hget(s.keys.job(data.id), JOB_FIELD.state)).toBe('finished');
    expect(await s.redis.zcard(s.keys.userJobs('local:ann'))).toBe(0);
    expect(await s.redis.ttl(s.keys.events(data.id))).toBeGreaterThan(0);
  });

  it('goes out with the commands sent after it in the same tick, in order, in one write', async () => {
    const client = new Redis(inject('redisUrl'));
    closers.push(() => client.quit());
    await client.ping();
    const socket = (client as unknown as { stream: import('node:net').Socket }).stream;
    const written: number[] = [];
    const write = socket._writev?.bind(socket);
    // Counts the socket's writes to the kernel: corked commands leave through one _writev.
    const origWrite = socket._write.bind(socket);
    socket._write = (chunk, enc, cb) => {
      written.push(1);
      origWrite(chunk, enc, cb);
    };
    if (write)
      socket._writev = (chunks, cb) => {
        written.push(chunks.length);
        write(chunks, cb);
      };
    writeTogether(client);
    const replies = Promise.all([client.set('wt-a', '1'), client.incr('wt-b'), client.get('wt-a')]);
    expect(socket.writableCorked).toBe(1);
    expect(written).toEqual([]);
    expect(await replies).toEqual(['OK', expect.any(Number), '1']);
    expect(written).toEqual([3]);
    expect(socket.writableCorked).toBe(0);
    await client.del('wt-a', 'wt-b');
  });
});

describe('which runs skip the claim', () => {
  const data = { confirmed: true } as JobData;
  it('only the first run of a marked job', () => {
    expect(confirmedFirstRun({ data, attemptsStarted: 1, attemptsMade: 0, stalledCounter: 0 })).toBe(true);
    // Unmarked, handed out again (parked, stalled, retried): claimed, which drops a job already over.
    expect(confirmedFirstRun({ data: { ...data, confirmed: undefined }, attemptsStarted: 1, attemptsMade: 0, stalledCounter: 0 })).toBe(
      false,
    );
    expect(confirmedFirstRun({ data, attemptsStarted: 2, attemptsMade: 0, stalledCounter: 0 })).toBe(false);
    expect(confirmedFirstRun({ data, attemptsStarted: 1, attemptsMade: 0, stalledCounter: 1 })).toBe(false);
    expect(confirmedFirstRun({ data, attemptsStarted: 2, attemptsMade: 1, stalledCounter: 0 })).toBe(false);
  });
});

describe("a worker's masks", () => {
  it('follow the configured secrets: one added while the workers run is masked from the next job on', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    const s = spine;
    const secrets = ['hunter22'];
    await s.startWorkers(1, {
      secrets: () => secrets,
      processors: {
        status: {
          mutates: false,
          run: async ({ io }) => {
            io.log('old hunter22 new opensesame99');
            return { title: 'said them' };
          },
        },
      },
    });
    const logOf = async (user: string) => {
      const { job } = await s.say(user, 'status hello');
      await waitUntil(
        `job ${job} done`,
        async () => (await readWholeJobStream(s.redis, s.keys, job!)).some((e) => e.event.type === 'done'),
        10_000,
        20,
      );
      return (await readWholeJobStream(s.redis, s.keys, job!)).flatMap((e) => (e.event.type === 'log' ? [e.event.line] : []));
    };
    expect(await logOf('ann')).toEqual(['old •••• new opensesame99']);
    secrets.push('opensesame99');
    expect(await logOf('bob')).toEqual(['old •••• new ••••']);
  });
});
