import { describe, expect, it } from 'vitest';
import { blockSize, pickBlock } from '../../src/drivers/swarm/port-blocks.ts';

const range = { from: 20000, to: 29999 };

describe('port blocks of Swarm services', () => {
  it('gives each release up to 100 ports, at least two blocks per range', () => {
    expect(blockSize(range)).toBe(100);
    expect(blockSize({ from: 21000, to: 21019 })).toBe(10);
    expect(blockSize({ from: 21000, to: 21000 })).toBe(0);
  });

  it('takes the preferred block when it is free, else the next free one, wrapping', () => {
    expect(pickBlock(range, [], 3)).toEqual({ base: 20299, size: 100 });
    expect(pickBlock(range, [], 103)).toEqual({ base: 20299, size: 100 });
    expect(pickBlock(range, [{ base: 20299, size: 100 }], 3)).toEqual({ base: 20399, size: 100 });
    expect(pickBlock(range, [{ base: 29899, size: 100 }], 99)).toEqual({ base: 19999, size: 100 });
  });

  it('skips a block that overlaps a service of another range or size by a single port, and takes one that only touches it', () => {
    // Ports 20300..20399 are block 3; a service holding 20250..20300 (base 20249, size 51) overlaps it by 20300.
    expect(pickBlock(range, [{ base: 20249, size: 51 }], 3)).toEqual({ base: 20399, size: 100 });
    // One holding 20200..20299 ends where block 3 begins.
    expect(pickBlock(range, [{ base: 20199, size: 100 }], 3)).toEqual({ base: 20299, size: 100 });
  });

  it('answers undefined when every block is taken, or the range has none', () => {
    const small = { from: 21000, to: 21019 };
    expect(pickBlock(small, [{ base: 20999, size: 10 }], 0)).toEqual({ base: 21009, size: 10 });
    expect(
      pickBlock(
        small,
        [
          { base: 20999, size: 10 },
          { base: 21009, size: 10 },
        ],
        0,
      ),
    ).toBeUndefined();
    expect(pickBlock({ from: 21000, to: 21000 }, [], 0)).toBeUndefined();
  });
});
