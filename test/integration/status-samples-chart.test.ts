import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chartSize } from '../../src/schedule/chart/render-chart.ts';
import { statusChart } from '../../src/schedule/chart/status-chart.ts';
import { createStatusSamples } from '../../src/schedule/samples.ts';
import { redisKeys } from '../../src/store/keys.ts';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis.quit();
});

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-03T06:00:00Z');

describe('the summary chart is drawn from the samples in Redis', () => {
  it('a recorded failure reaches the PNG; the file is named by the last day in the schedule zone', async () => {
    const samples = createStatusSamples(redis, redisKeys(`test-${randomUUID().slice(0, 8)}`), () => NOW);
    const targets = [
      { app: 'web', env: 'production' },
      { app: 'api', env: 'staging' },
    ];
    for (let d = 0; d < 14; d++) {
      await samples.record('web', 'production', { kind: 'deploy', at: NOW - d * DAY, id: `w${d}` });
      await samples.record('api', 'staging', { kind: 'health', at: NOW - d * DAY, healthy: d % 3, desired: 2 });
    }
    const options = { now: NOW, timeZone: 'Europe/Kyiv' };
    const before = await statusChart(samples, targets, options);
    expect(before.name).toBe('status-2026-12-03.png');
    expect(before.contentType).toBe('image/png');
    expect(before.data.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect({ width: before.data.readUInt32BE(16), height: before.data.readUInt32BE(20) }).toEqual(chartSize(2));

    await samples.record('api', 'staging', { kind: 'failure', at: NOW - 3 * DAY, id: 'f1' });
    expect((await statusChart(samples, targets, options)).data.equals(before.data)).toBe(false);
  });
});
