/**
 * The positions (indexes into `seqs`) of one longest run of strictly increasing numbers, in
 * O(n log n): the records of a trail that still stand in order. Whatever is left out was moved
 * or copied, so a swap of two records names one record, not every number after it. Of equal
 * numbers the first stays in the run.
 */
export function longestInOrder(seqs: ReadonlyArray<number>): Set<number> {
  /** tails[k]: the position of the smallest last number of a run of length k + 1 seen so far. */
  const tails: number[] = [];
  const before: number[] = [];
  seqs.forEach((seq, i) => {
    let [lo, hi] = [0, tails.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seqs[tails[mid]!]! < seq) lo = mid + 1;
      else hi = mid;
    }
    // A number seen before stays where it was first: the later one is the copy.
    if (lo < tails.length && seqs[tails[lo]!] === seq) return;
    before[i] = lo > 0 ? tails[lo - 1]! : -1;
    tails[lo] = i;
  });
  const run = new Set<number>();
  for (let i = tails.at(-1) ?? -1; i >= 0; i = before[i]!) run.add(i);
  return run;
}
