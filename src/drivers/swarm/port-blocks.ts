import type { PortRange } from '../../config/port-range.ts';

/** The ports a release's service holds on every node: its task in slot s (1-based) listens on base + s, for s up to size. */
export interface PortBlock {
  base: number;
  size: number;
}

/** Slots a block has at most: `scale` and a config's `replicas` go up to 100. */
const MOST = 100;

/** The block size a range gives: two blocks at least (a new release starts beside the serving one), at most MOST ports each. */
export function blockSize(range: PortRange): number {
  return Math.min(MOST, Math.floor((range.to - range.from + 1) / 2));
}

/**
 * A block of `range` that overlaps none of `taken` (the blocks of the services on the Swarm, any
 * app, any installation), trying block `prefer` (mod the count) first and then the next ones;
 * undefined when every block overlaps one. Blocks are `range.from - 1 + k * size`, so the
 * ports of block k are `range.from + k * size` … `+ size - 1`.
 */
export function pickBlock(range: PortRange, taken: ReadonlyArray<PortBlock>, prefer: number): PortBlock | undefined {
  const size = blockSize(range);
  if (size < 1) return undefined;
  const count = Math.floor((range.to - range.from + 1) / size);
  for (let i = 0; i < count; i++) {
    const base = range.from - 1 + (((prefer % count) + i) % count) * size;
    if (taken.every((t) => base + size <= t.base || t.base + t.size <= base)) return { base, size };
  }
  return undefined;
}
