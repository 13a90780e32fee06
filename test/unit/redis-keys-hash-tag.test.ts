import { describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/store/keys.ts';

/** Redis Cluster's rule: a key's slot is the hash of what is between its first `{` and the next `}`. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('Redis keys under one Cluster hash tag', () => {
  it('every key voxoz writes, BullMQ prefix included, hashes by the install name alone', () => {
    const keys = redisKeys('voxoz');
    const all = Object.values(keys).flatMap((k) => (typeof k === 'function' ? [(k as (...a: string[]) => string)('a{b}', 'c', 'd')] : [k]));
    expect(all.length).toBeGreaterThan(30);
    for (const key of all) expect([key, hashTag(key)]).toEqual([key, 'voxoz']);
    // BullMQ writes `<prefix>:<queue>:<id>` keys: the same tag.
    expect(hashTag(`${keys.bull}:jobs-on-edge:42`)).toBe('voxoz');
  });
});
