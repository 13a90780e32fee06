import { describe, expect, it } from 'vitest';
import { within } from '../../src/services/within.ts';

describe('within', () => {
  it('gives the work its result when it comes in time', async () => {
    await expect(within(1000, Promise.resolve(7))).resolves.toBe(7);
    await expect(within(1000, Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  });

  it('says how long it waited when the work does not answer in time, in ms under a second and in s above', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(within(30, never)).rejects.toThrow(/^no answer within 30 ms$/);
    const t0 = Date.now();
    await expect(within(1500, never)).rejects.toThrow(/^no answer within 1.5 s$/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
  });

  it('swallows a failure that comes after the time limit (no unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 50));
      await expect(within(10, late)).rejects.toThrow('no answer within 10 ms');
      await new Promise((r) => setTimeout(r, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
