import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { takeChannelTurn } from '../../src/relay/channel-pace.ts';

/**
 * The per-channel pace every bot draws on, on the test Redis: `burst` posts at once, then one per
 * gap, whichever client asks; a bucket refills while nobody posts; channels are apart.
 */
const a = new Redis(inject('redisUrl'));
const b = new Redis(inject('redisUrl'));
afterAll(async () => {
  await a.quit();
  await b.quit();
});
const pace = { burst: 3, gapMs: 400 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a channel pace shared through Redis', () => {
  it('lets `burst` posts through at once across two clients, then says how long to wait, about one gap', async () => {
    const key = `test:pace:${randomUUID()}`;
    const waits = [
      await takeChannelTurn(a, key, pace),
      await takeChannelTurn(b, key, pace),
      await takeChannelTurn(a, key, pace),
      await takeChannelTurn(b, key, pace),
    ];
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(300);
    expect(waits[3]).toBeLessThanOrEqual(400);
    // Asking again does not take a turn: the wait only shrinks.
    expect(await takeChannelTurn(a, key, pace)).toBeLessThanOrEqual(waits[3]!);
    await sleep(waits[3]! + 20);
    expect(await takeChannelTurn(b, key, pace)).toBe(0);
    expect(await takeChannelTurn(a, key, pace)).toBeGreaterThan(0);
  });

  it('refills to the burst while nobody posts, and keeps channels apart', async () => {
    const key = `test:pace:${randomUUID()}`;
    for (let i = 0; i < 3; i++) expect(await takeChannelTurn(a, key, pace)).toBe(0);
    expect(await takeChannelTurn(a, `test:pace:${randomUUID()}`, pace)).toBe(0);
    await sleep(3 * pace.gapMs + 50);
    for (let i = 0; i < 3; i++) expect(await takeChannelTurn(b, key, pace)).toBe(0);
    expect(await takeChannelTurn(b, key, pace)).toBeGreaterThan(0);
    // The bucket expires once full again: nothing stays in Redis for a quiet channel.
    expect(await a.pttl(key)).toBeLessThanOrEqual(3 * pace.gapMs + 1000);
  });
});
