import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createStatusSamples, type StatusSample } from '../../src/schedule/samples.ts';
import { redisKeys } from '../../src/store/keys.ts';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis.quit();
});

const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T09:00:00Z');
const freshKeys = () => redisKeys(`test-${randomUUID().slice(0, 8)}`);
/** A clock the test moves by hand. */
const clockAt = (start: number) => {
  const clock = { ms: start, now: () => clock.ms };
  return clock;
};
const health = (at: number, healthy = 2, desired = 2): StatusSample => ({ kind: 'health', at, healthy, desired });

describe('status samples live in Redis, bounded by age and count', () => {
  it('reads back what was recorded, oldest first, per app+env; the same deploy recorded twice counts once', async () => {
    const keys = freshKeys();
    const samples = createStatusSamples(redis, keys, clockAt(T0).now);
    await samples.record('web', 'production', { kind: 'deploy', at: T0 - 2 * DAY, id: 'j1' });
    await samples.record('web', 'production', { kind: 'deploy', at: T0 - 2 * DAY, id: 'j1' });
    await samples.record('web', 'production', health(T0 - DAY, 1, 3));
    await samples.record('web', 'production', { kind: 'failure', at: T0 - 3 * DAY, id: 'j0' });
    await samples.record('web', 'staging', health(T0));

    expect(await samples.since('web', 'production', 0)).toEqual([
      { kind: 'failure', at: T0 - 3 * DAY, id: 'j0' },
      { kind: 'deploy', at: T0 - 2 * DAY, id: 'j1' },
      { kind: 'health', at: T0 - DAY, healthy: 1, desired: 3 },
    ]);
    expect(await samples.since('web', 'production', T0 - DAY)).toEqual([health(T0 - DAY, 1, 3)]);
    expect(
      await samples.lastDays([
        { app: 'web', env: 'staging' },
        { app: 'api', env: 'production' },
      ]),
    ).toEqual([
      { app: 'web', env: 'staging', samples: [health(T0)] },
      { app: 'api', env: 'production', samples: [] },
    ]);
  });

  it('lastDays leaves out what is older than the window but still kept', async () => {
    const keys = freshKeys();
    const samples = createStatusSamples(redis, keys, clockAt(T0).now);
    await samples.record('web', 'production', health(T0 - 20 * DAY));
    await samples.record('web', 'production', health(T0 - 13 * DAY));
    expect(await redis.zcard(keys.statusSamples('web', 'production'))).toBe(2);
    const [web] = await samples.lastDays([{ app: 'web', env: 'production' }], 14);
    expect(web!.samples).toEqual([health(T0 - 13 * DAY)]);
  });

  it('trims by age on every write, by the clock: older than maxAge is gone, exactly maxAge stays', async () => {
    const keys = freshKeys();
    const clock = clockAt(T0);
    const samples = createStatusSamples(redis, keys, clock.now, { maxAgeMs: 30 * DAY, maxCount: 1000 });
    await samples.record('web', 'production', health(T0 - 31 * DAY));
    await samples.record('web', 'production', health(T0 - 30 * DAY));
    await samples.record('web', 'production', health(T0 - 10 * DAY));
    expect((await samples.since('web', 'production', 0)).map((s) => s.at)).toEqual([T0 - 30 * DAY, T0 - 10 * DAY]);

    clock.ms = T0 + 25 * DAY;
    await samples.record('web', 'production', health(clock.ms));
    expect((await samples.since('web', 'production', 0)).map((s) => s.at)).toEqual([T0 + 25 * DAY]);
    const ttl = await redis.pttl(keys.statusSamples('web', 'production'));
    expect(ttl).toBeGreaterThan(29 * DAY);
    expect(ttl).toBeLessThanOrEqual(30 * DAY);
  });

  it('trims by count: past maxCount the oldest samples go, whatever order they were recorded in', async () => {
    const keys = freshKeys();
    const samples = createStatusSamples(redis, keys, clockAt(T0).now, { maxAgeMs: 30 * DAY, maxCount: 5 });
    const times = [9, 3, 7, 1, 8, 2, 6, 5, 4].map((h) => T0 - h * 3_600_000);
    for (const at of times) await samples.record('web', 'production', health(at));
    expect(await redis.zcard(keys.statusSamples('web', 'production'))).toBe(5);
    expect((await samples.since('web', 'production', 0)).map((s) => (T0 - s.at) / 3_600_000)).toEqual([5, 4, 3, 2, 1]);
    // Other app environments are keys of their own, untouched by this one's trimming.
    await samples.record('api', 'production', health(T0 - 99 * 3_600_000));
    expect(await samples.since('api', 'production', 0)).toHaveLength(1);
  });
});
