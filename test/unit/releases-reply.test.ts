import { describe, expect, it } from 'vitest';
import { releasesReply } from '../../commands/releases.ts';
import type { Release } from '../../src/store/release-store.ts';

const release = (number: number, outcome: Release['outcome'], more: Partial<Release> = {}): Release => ({
  app: 'hello',
  env: 'production',
  number,
  artifact: `sha256:${String(number).repeat(12)}`,
  deployedBy: 'local:alice',
  at: '2026-12-05T10:00:00.000Z',
  outcome,
  jobId: `j${number}`,
  ...more,
});

/** The outcome column of each row, newest first, with the live mark. */
const outcomes = (all: Release[]) =>
  releasesReply('hello', 'production', all)
    .code![0]!.split('\n')
    .slice(1)
    .map((row) => row.trim().split(/ {2,}/).slice(0, 2).join(' '));

describe('releases: what became of each release', () => {
  it('only the serving release reads live; one replaced says by which, skipping deploys that never went live', () => {
    expect(outcomes([release(1, 'live'), release(2, 'failed'), release(3, 'live'), release(4, 'cancelled')])).toEqual([
      'v4 cancelled',
      '* v3 live',
      'v2 failed',
      'v1 replaced by v3',
    ]);
  });

  it('a rollback and a promote keep what they redeployed beside what became of them', () => {
    const all = [
      release(1, 'live'),
      release(2, 'live', { promotedFrom: { env: 'staging', number: 4 } }),
      release(3, 'live', { rollbackOf: 1 }),
    ];
    expect(outcomes(all)).toEqual(['* v3 live, rollback of v1', 'v2 replaced by v3, promoted from staging v4', 'v1 replaced by v2']);
  });

  it('with a failed newest deploy the one before it still serves and reads live', () => {
    expect(outcomes([release(1, 'live'), release(2, 'failed')])).toEqual(['v2 failed', '* v1 live']);
  });
});
