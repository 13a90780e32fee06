import { describe, expect, it } from 'vitest';
import { parseReleaseNumber, rollbackTargets } from '../../src/jobs/processors/rollback-targets.ts';
import { keptArtifacts } from '../../src/store/kept-artifacts.ts';
import type { Release } from '../../src/store/release-store.ts';

/** A ledger from `v1:a live, v2:b failed, …` (number, artifact, outcome). */
function ledger(spec: string): Release[] {
  return spec.split(', ').map((entry) => {
    const [, n, artifact, outcome] = /^v(\d+):(\w*) (\w+)$/.exec(entry)!;
    return {
      app: 'hello',
      env: 'production',
      number: Number(n),
      artifact: artifact!,
      deployedBy: 'U1',
      at: '2026-12-02T05:00:00.000Z',
      outcome: outcome as Release['outcome'],
      jobId: `j${n}`,
    };
  });
}

describe('keptArtifacts', () => {
  it.each([
    ['the newest K that went live', 'v1:a live, v2:b live, v3:c live, v4:d live', 2, ['c', 'd']],
    ["a failed deploy's image is not kept", 'v1:a live, v2:b live, v3:c failed', 2, ['a', 'b']],
    ['the default rollback target stays even with K = 1', 'v1:a live, v2:b live, v3:c live', 1, ['b', 'c']],
    ["a rollback's release shares its artifact: K counts distinct images", 'v1:a live, v2:b live, v3:c live, v4:a live', 2, ['a', 'c']],
    ['cancelled and artifact-less releases count for nothing', 'v1:a live, v2: failed, v3:b cancelled', 5, ['a']],
    ['more room than images keeps them all', 'v1:a live, v2:b live', 5, ['a', 'b']],
  ])('%s', (_why, spec, keep, expected) => {
    expect([...keptArtifacts(ledger(spec), keep)].sort()).toEqual(expected);
  });
});

describe('rollbackTargets', () => {
  it.each([
    ['newest first, without the live one', 'v1:a live, v2:b live, v3:c live', [], [2, 1]],
    ['not failed or cancelled ones', 'v1:a live, v2:b failed, v3:c cancelled, v4:d live', [], [1]],
    ['not pruned ones', 'v1:a live, v2:b live, v3:c live', ['a'], [2]],
    ['a failed newest deploy leaves the one before it live', 'v1:a live, v2:b live, v3:c failed', [], [1]],
  ])('%s', (_why, spec, pruned, expected) => {
    expect(rollbackTargets(ledger(spec), new Set(pruned)).map((r) => r.number)).toEqual(expected);
  });
});

describe('parseReleaseNumber', () => {
  it.each([
    ['v3', 3],
    ['to v3', 3],
    ['3', 3],
    ['TO V12', 12],
    ['to', undefined],
    ['v', undefined],
    ['v3 v4', undefined],
    ['yesterday', undefined],
    ['v-1', undefined],
  ])('%s → %s', (words, expected) => {
    expect(parseReleaseNumber(words)).toBe(expected);
  });
});
