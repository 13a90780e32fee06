import type { Release } from './release-store.ts';

/**
 * The artifacts retention keeps for one app environment, from its ledger: those of the newest
 * `keep` releases that went live (distinct artifacts), plus, whatever `keep` is, the live
 * release's and the one a default rollback would redeploy (the newest earlier live release with
 * another artifact). Everything else, including failed deploys' images, may be deleted.
 */
export function keptArtifacts(all: ReadonlyArray<Release>, keep: number): Set<string> {
  const wentLive = [...all].filter((r) => r.outcome === 'live' && r.artifact).sort((a, b) => b.number - a.number);
  const kept = new Set<string>();
  for (const r of wentLive) {
    if (kept.size >= keep) break;
    kept.add(r.artifact);
  }
  const live = wentLive[0];
  if (live) {
    kept.add(live.artifact);
    const previous = wentLive.find((r) => r.artifact !== live.artifact);
    if (previous) kept.add(previous.artifact);
  }
  return kept;
}
