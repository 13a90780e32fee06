import { describe, expect, it } from 'vitest';
import { restartCountsOf, restartsSince } from '../../src/schedule/restarts-since.ts';

describe('restarts since the last summary', () => {
  const a = (restarts?: number) => ({ id: 'a', ...(restarts === undefined ? {} : { restarts }) });
  const b = (restarts: number) => ({ id: 'b', restarts });
  it.each([
    ['no baseline yet (the first summary): every restart counts', [a(3), b(1)], undefined, 4],
    ['the counter grew since the baseline: the difference', [a(5)], { a: 2 }, 3],
    ['unchanged: none', [a(2), b(0)], { a: 2, b: 0 }, 0],
    ['an instance created since (not in the baseline): all of its own', [a(2), b(4)], { a: 2 }, 4],
    ['a counter reset (started by hand): its count now', [a(1)], { a: 6 }, 1],
    ['a runtime that does not say: nothing', [a()], { a: 1 }, 0],
  ])('%s', (_, instances, baseline, expected) => {
    expect(restartsSince(instances, baseline)).toBe(expected);
  });

  it('stores the counts the runtime reported, by instance id', () => {
    expect(restartCountsOf([a(2), a(), b(0)].map((i, n) => ({ ...i, id: `${i.id}${n}` })))).toEqual({ a0: 2, b2: 0 });
  });
});
