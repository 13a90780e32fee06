import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../adapters/local/local-access.ts';

describe('local API access', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['203.0.113.5', false],
    ['::ffff:192.0.2.1', false],
    ['1270.0.0.1', false],
    [undefined, false],
  ])('%s → %s', (address, allowed) => {
    expect(isLoopback(address)).toBe(allowed);
  });
});
