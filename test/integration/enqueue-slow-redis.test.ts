import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JobData } from '../../src/core/types.ts';
import { confirmJob, reserveJob } from '../../src/jobs/job-state.ts';
import { startRedisServer, type RunningRedis } from '../../src/services/redis-server.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { scriptedDriver } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';

// A redis-server of this file's own, so it can be stopped (SIGSTOP) without slowing other tests.
let server: RunningRedis;
let dir: string;
const pause = () => process.kill(server.pid, 'SIGSTOP');
const resume = () => process.kill(server.pid, 'SIGCONT');
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vxq-'));
  server = await startRedisServer(join(dir, 'redis'));
});
afterAll(async () => {
  resume();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

let spine: Spine | undefined;
const extra: Array<{ quit(): Promise<unknown> }> = [];
afterEach(async () => {
  resume();
  for (const c of extra.splice(0)) await c.quit().catch(() => undefined);
  await spine?.close();
  spine = undefined;
});

/** A BullMQ handle on the spine's queue, to look at its jobs. */
function bullOf(s: Spine, url: string): Queue<JobData> {
  const queue = new Queue<JobData>('jobs', { connection: new Redis(url), prefix: s.keys.bull });
  extra.push({ quit: () => queue.close() });
  return queue;
}

/** Waits until nothing about the job can change any more: its record is final and BullMQ is done with it. */
async function settled(s: Spine, bull: Queue<JobData>, id: string): Promise<string> {
  await waitUntil(
    `job ${id} to be settled`,
    async () => {
      const state = await s.redis.hget(s.keys.job(id), 'state');
      const job = await bull.getJob(id);
      const where = job ? await job.getState() : 'none';
      return (state === 'abandoned' || state === 'finished') && ['none', 'completed', 'failed'].includes(where);
    },
    20_000,
  );
  return (await s.redis.hget(s.keys.job(id), 'state'))!;
}

describe('a command reported as not queued never runs, however slow Redis is', () => {
  it('Redis stopped during the enqueue: the user hears "nothing was queued", and after it resumes nothing runs and no thread appears', async () => {
    const driver = scriptedDriver();
    spine = await startSpine({ docker: driver }, undefined, { redisUrl: server.url });
    await spine.startWorkers(2, { confirmWaitMs: 500 });
    spine.startRelay();
    await spine.queue.get('warm-up'); // every connection is up before Redis stops
    const started = Date.now();
    pause();
    let said: Awaited<ReturnType<typeof spine.say>> | undefined;
    try {
      said = await spine.say('alice', 'deploy hello', 'd1');
    } finally {
      resume();
    }
    expect(Date.now() - started).toBeLessThan(2500);
    expect(said.job).toBeUndefined();
    expect(said.reply).toMatchObject({ status: 'error', text: expect.stringMatching(/the job queue is unavailable.*nothing was queued/) });
    // A deploy's first step is the user-lock check, a read: it timed out, so no write was ever sent
    // (writes in flight when Redis stops are covered by the tests below).
    expect(await spine.redis.exists(spine.keys.job('local-d1'))).toBe(0);
    expect(await bullOf(spine, server.url).getJob('local-d1')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 500)); // a few relay ticks and worker polls
    expect([driver.builds, driver.deploys]).toEqual([0, 0]);
    expect(await spine.releases.list('hello', 'production')).toEqual([]);
    expect(await spine.redis.scard(spine.keys.relayActive)).toBe(0);
    expect(await spine.redis.zcard(spine.keys.userJobs('local:alice'))).toBe(0);
    expect((await spine.chat.thread(said.thread))!.messages.map((m) => m.kind)).toEqual(['command', 'answer']);
  });

  // Redis stops the moment one of the enqueue's writes lands (a keyspace notification), for longer
  // than the enqueue waits. Whichever answer the user got, that is what happens.
  const points = [
    { point: 'the reservation', delivery: 'r1', key: (s: Spine, id: string) => s.keys.job(id) },
    { point: 'the BullMQ job', delivery: 'b1', key: (s: Spine, id: string) => `${s.keys.bull}:jobs:${id}` },
  ];
  for (const { point, delivery, key } of points) {
    it(`Redis stopped right after ${point} landed: what the user was told is what happens`, async () => {
      const driver = scriptedDriver();
      spine = await startSpine({ docker: driver }, undefined, { redisUrl: server.url });
      // Workers wait for a confirm as long as voxoz's do (CONFIRM_WAIT_MS, counted from the
      // reservation), well past the stop: a shorter wait would drop a job the user was told was
      // queued whenever a worker's claim reaches Redis before the confirm sent during the stop.
      await spine.startWorkers(2);
      spine.startRelay();
      await spine.queue.get('warm-up');
      const id = `local-${delivery}`;
      const admin = new Redis(server.url);
      const watcher = new Redis(server.url);
      extra.push(admin, watcher);
      await admin.config('SET', 'notify-keyspace-events', 'Kh');
      let stopped = false;
      watcher.on('pmessage', () => {
        if (stopped) return;
        stopped = true;
        pause();
        setTimeout(resume, 1500);
      });
      await watcher.psubscribe(`__keyspace@0__:${key(spine, id)}`);
      const said = await spine.say('alice', 'deploy hello', delivery);
      await waitUntil(`Redis to be stopped after ${point}`, async () => stopped, 5000, 10);
      await waitUntil('Redis to resume', async () => (await admin.ping()) === 'PONG', 10_000);
      if (said.job) {
        expect((await spine.waitForEnd(said.thread)).outcome).toBe('succeeded');
        expect(driver.deploys).toBe(1);
      } else {
        expect(said.reply?.text).toMatch(/nothing was queued/);
        expect(await settled(spine, bullOf(spine, server.url), id)).toBe('abandoned');
        await new Promise((r) => setTimeout(r, 500));
        expect([driver.builds, driver.deploys]).toEqual([0, 0]);
        expect((await spine.chat.thread(said.thread))!.messages.map((m) => m.kind)).toEqual(['command', 'answer']);
      }
    });
  }

  it('a BullMQ job whose enqueue was never confirmed is dropped unrun; a confirm that comes too late gets an honest thread', async () => {
    const driver = scriptedDriver();
    spine = await startSpine({ docker: driver });
    spine.startRelay();
    // What an enqueuer leaves when its time ran out right after queue.add and its abandon was lost.
    const thread = await spine.chat.openThread('alice', 'deploy hello');
    const data: JobData = {
      id: 'unconfirmed-1',
      kind: 'deploy',
      command: 'deploy hello',
      app: 'hello',
      env: 'production',
      args: { app: 'hello' },
      requestedBy: { id: 'local:alice', name: 'alice' },
      thread: { platform: 'local', conversation: 'local', meta: { thread: thread.id } },
      requestedAt: new Date().toISOString(),
    };
    expect(await reserveJob(spine.redis, spine.keys, data, 20)).toEqual({ result: 'reserved' });
    const bull = bullOf(spine, inject('redisUrl'));
    await bull.add('deploy', data, { jobId: data.id });
    await spine.startWorkers(2, { confirmWaitMs: 500 });
    expect(await settled(spine, bull, data.id)).toBe('abandoned');
    expect([driver.builds, driver.deploys]).toEqual([0, 0]);
    expect(await spine.redis.zcard(spine.keys.userJobs('local:alice'))).toBe(0);
    expect((await spine.chat.thread(thread.id))!.messages).toHaveLength(1);
    // Had the user been told "queued" (the confirm was merely slow), the thread says what happened.
    expect(await confirmJob(spine.redis, spine.keys, data)).toBe('too-late');
    const ended = await spine.waitForEnd(thread.id);
    expect(ended.messages[1]!.reply).toMatchObject({
      title: 'deploy hello: not run',
      status: 'failed',
      text: expect.stringContaining('nothing ran'),
    });
    expect(driver.builds).toBe(0);
  });
});
