import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JobData } from '../../src/core/types.ts';
import { createJobQueue } from '../../src/jobs/job-queue.ts';
import { confirmJob, reserveJob } from '../../src/jobs/job-state.ts';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import { JOB_FIELD, STREAM_TTL_SECONDS } from '../../src/store/job-fields.ts';
import { jobDone } from '../../src/store/job-done.ts';
import { createJobStore } from '../../src/store/job-store.ts';
import { redisKeys } from '../../src/store/keys.ts';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis.quit();
});

const job = (id: string): JobData => ({
  id,
  kind: 'deploy',
  command: 'deploy hello',
  app: 'hello',
  env: 'production',
  args: { app: 'hello' },
  requestedBy: { id: 'local:alice', name: 'alice' },
  thread: { platform: 'local', conversation: 'local', meta: { thread: 't-1' } },
  requestedAt: new Date().toISOString(),
});

/** A TTL that was set by this test run: positive and at most the configured lifetime. */
const expectStreamTtl = (ttl: number) => {
  expect(ttl).toBeGreaterThan(STREAM_TTL_SECONDS - 60);
  expect(ttl).toBeLessThanOrEqual(STREAM_TTL_SECONDS);
};

describe('the job store owns the job record on real Redis', () => {
  it('every final event voxoz writes itself lands in the stream with the stream TTL (confirm, append, queued cancel)', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const store = createJobStore(redis, keys);
    const data = job('j1');
    expect(await reserveJob(redis, keys, data, 20)).toEqual({ result: 'reserved' });
    expect(await confirmJob(redis, keys, data)).toBe('confirmed');
    expectStreamTtl(await redis.ttl(keys.events('j1')));
    expect(await store.data('j1')).toEqual(data);

    await store.append('j2', jobDone.lost('2026-12-02T00:00:00.000Z', 'deploy hello'));
    expectStreamTtl(await redis.ttl(keys.events('j2')));
    expect((await readWholeJobStream(redis, keys, 'j2')).map((e) => e.event)).toEqual([
      {
        type: 'done',
        at: '2026-12-02T00:00:00.000Z',
        outcome: 'failed',
        result: { title: 'deploy hello: failed', text: expect.stringMatching(/lost this job.*nothing ran/) },
      },
    ]);

    const queue = createJobQueue({ redisUrl: inject('redisUrl'), keys, queueName: 'jobs', attempts: 1 });
    try {
      const queued = job('j3');
      expect(await queue.enqueue(queued)).toBe('queued');
      expect(await queue.cancel('j3', { id: 'local:alice', name: 'alice' })).toBe('removed');
      const events = (await readWholeJobStream(redis, keys, 'j3')).map((e) => e.event);
      expect(events.at(-1)).toMatchObject({
        type: 'done',
        outcome: 'cancelled',
        result: { title: 'deploy hello: cancelled by alice', text: 'It was still queued; nothing had started.' },
      });
      expectStreamTtl(await redis.ttl(keys.events('j3')));
    } finally {
      await queue.close();
    }
  });

  it('keeps the relay checkpoint, says a lock wait once, reserves a value once, and starts the record TTL when relayed', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const store = createJobStore(redis, keys);
    const data = job('r1');
    await reserveJob(redis, keys, data, 20);
    await confirmJob(redis, keys, data);
    expect(await store.relayActive()).toEqual(['r1']);
    await store.checkpoint('r1', { parent: 'm-2' });
    await store.checkpoint('r1', { relayedTo: '5-0', uploaded: true });
    expect(await store.relayRecord('r1')).toEqual({ data, relayed: false, parent: 'm-2', relayedTo: '5-0', uploaded: true, attached: 0 });
    await store.checkpoint('r1', { attached: 2 });
    expect(await store.relayRecord('r1')).toMatchObject({ uploaded: true, attached: 2 });

    expect(await store.firstWait('r1', 'other-job')).toBe(true);
    expect(await store.firstWait('r1', 'other-job')).toBe(false);
    expect(await redis.hget(keys.job('r1'), JOB_FIELD.waited)).toBe('other-job');

    let made = 0;
    const make = async () => ++made + 6;
    expect(await store.reserve('r1', 'release', make)).toBe(7);
    expect(await store.reserve('r1', 'release', make)).toBe(7);
    expect(made).toBe(1);

    expect(await redis.ttl(keys.job('r1'))).toBe(-1);
    await redis.set(keys.relayLease('r1'), 'me');
    await store.relayDone('r1', '9-0');
    expect(await store.relayRecord('r1')).toMatchObject({ relayed: true, relayedTo: '9-0' });
    expect(await store.relayActive()).toEqual([]);
    expect(await redis.exists(keys.relayLease('r1'))).toBe(0);
    expectStreamTtl(await redis.ttl(keys.job('r1')));
  });
});
