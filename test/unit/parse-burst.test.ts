import { describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/user-error.ts';
import { parseBurst } from '../../src/jobs/processors/burst.ts';

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (isUserError(err)) return err.code;
    throw err;
  }
  return 'ok';
};

describe('parseBurst', () => {
  it.each([
    ['+3', 'for', '10m', { add: 3, ms: 600_000 }],
    ['+1', 'for', '90s', { add: 1, ms: 90_000 }],
    ['+100', 'for', '24h', { add: 100, ms: 86_400_000 }],
  ])('%s for %s %s', (add, word, duration, want) => {
    expect(parseBurst(add, word, duration)).toEqual(want);
  });
  it.each([
    ['3', 'for', '10m', 'burst_bad_count'],
    ['+0', 'for', '10m', 'burst_bad_count'],
    ['-2', 'for', '10m', 'burst_bad_count'],
    ['+2', 'during', '10m', 'burst_bad_syntax'],
    ['+2', 'for', '25h', 'burst_bad_duration'],
    ['+2', 'for', '0s', 'burst_bad_duration'],
    ['+2', 'for', '10', 'burst_bad_duration'],
    ['+2', 'for', undefined, 'burst_bad_duration'],
  ])('%s %s %s is refused as %s', (add, word, duration, code) => {
    expect(codeOf(() => parseBurst(add, word, duration))).toBe(code);
  });
});
