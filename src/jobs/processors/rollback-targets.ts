import type { Release } from '../../store/release-store.ts';

/**
 * Releases `rollback` may redeploy, newest first: they went live, have an artifact, and their
 * artifact was not pruned; the live release itself is not one (it already serves).
 */
export function rollbackTargets(all: ReadonlyArray<Release>, pruned: ReadonlySet<string>): Release[] {
  const wentLive = [...all].filter((r) => r.outcome === 'live').sort((a, b) => b.number - a.number);
  const live = wentLive[0];
  return wentLive.filter((r) => r !== live && r.artifact && !pruned.has(r.artifact));
}

/** "v1" or "1" (optionally after "to") to a release number; undefined for anything else. */
export function parseReleaseNumber(words: string): number | undefined {
  const m = /^(?:to\s+)?v?(\d{1,9})$/i.exec(words.trim());
  return m ? Number(m[1]) : undefined;
}
