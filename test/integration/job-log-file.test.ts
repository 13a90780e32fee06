import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createJobStreamWriter } from '../../src/jobs/job-stream.ts';
import { jobLogFile } from '../../src/relay/job-log-file.ts';
import { readLogTail } from '../../src/relay/read-log-tail.ts';
import { redisKeys } from '../../src/store/keys.ts';

const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
afterAll(async () => {
  await redis.quit();
});

describe('the full-log upload is streamed from Redis', () => {
  it('knows its size up front and reads the stream page by page, in order', async () => {
    const job = randomUUID();
    const writer = createJobStreamWriter(redis, keys, job);
    writer.write({ type: 'started', at: 'T0', attempt: 1, worker: 'w' });
    for (let i = 0; i < 4500; i++) writer.write({ type: 'log', at: 'T1', line: `line ${i} ✓` });
    writer.write({ type: 'done', at: 'T2', outcome: 'succeeded', result: { title: 'ok' } });
    await writer.flush();
    const expected = Array.from({ length: 4500 }, (_, i) => `T1 line ${i} ✓\n`).join('');
    const file = await jobLogFile(redis, keys, job, 'deploy.log');
    expect(file).toMatchObject({ name: 'deploy.log', bytes: Buffer.byteLength(expected), lines: 4500 });
    const chunks: Buffer[] = [];
    for await (const chunk of file.open()) chunks.push(chunk as Buffer);
    // One chunk per page of stream entries: the relay never builds the whole text itself.
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
    expect((await readLogTail(file)).toString('utf8')).toBe(expected);
    expect(await readLogTail(file, 1000)).toEqual(Buffer.from(expected).subarray(-1000));
  });
});
