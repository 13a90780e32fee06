import type { Release } from '../../store/release-store.ts';

/**
 * Releases `rollback` may redeploy, newest first: they went live, have an artifact, and their
 * artifact was not pruned; the live release itself is not one (it already serves), nor one
 * whose artifact is the live one's (a restart's, or the release a restart or rollback started
 * again): redeploying it would change nothing but the replicas (that is `restart`).
 */
export function rollbackTargets(all: ReadonlyArray<Release>, pruned: ReadonlySet<string>): Release[] {
  const wentLive = [...all].filter((r) => r.outcome === 'live').sort((a, b) => b.number - a.number);
  const live = wentLive[0];
  return wentLive.filter((r) => r !== live && r.artifact && r.artifact !== live?.artifact && !pruned.has(r.artifact));
}

/** What is wrong with the words naming a rollback's target (not "v3", "3" or "to v3"), or undefined. */
export function releaseWordsProblem(words: string | number): string | undefined {
  return parseReleaseNumber(String(words)) === undefined
    ? `"${String(words).slice(0, 40)}" is not a release; write it as v3 (rollback <app> to v3)`
    : undefined;
}

/** "v1" or "1" (optionally after "to") to a release number; undefined for anything else. */
export function parseReleaseNumber(words: string): number | undefined {
  const m = /^(?:to\s+)?v?(\d{1,9})$/i.exec(words.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * Why `wanted` (a release number; undefined: the default, the newest earlier one) is not one of
 * `targets`, and which releases are: what a refused rollback says, at the request and in the job.
 */
export function unavailableTarget(
  app: { name: string; keepImages: number },
  env: string,
  all: ReadonlyArray<Release>,
  targets: ReadonlyArray<Release>,
  wanted: number | undefined,
): string {
  const known = all.find((r) => r.number === wanted);
  const live = [...all].filter((r) => r.outcome === 'live').sort((a, b) => b.number - a.number)[0];
  const restart = `to start it afresh, run "restart ${app.name}${env === 'production' ? '' : ` --env ${env}`}"`;
  // Earlier releases that went live: with the live image (a restart's source, a rolled-back-to one) or another.
  const earlier = all.filter((r) => r.outcome === 'live' && r !== live && r.artifact);
  const same = earlier.filter((r) => r.artifact === live?.artifact);
  const why =
    wanted === undefined
      ? same.length > 0 && same.length === earlier.length
        ? `${app.name} (${env}) has no earlier release with another image to roll back to: ${same.map((r) => `v${r.number}`).join(', ')} ${same.length === 1 ? 'has' : 'have'} the same image as the live v${live!.number} (${restart})`
        : `${app.name} (${env}) has no earlier release that went live and whose image is kept`
      : !known
        ? `${app.name} (${env}) has no release v${wanted}`
        : known.outcome !== 'live'
          ? `v${wanted} of ${app.name} never went live (it ${known.outcome === 'failed' ? 'failed' : 'was cancelled'})`
          : live === known
            ? `v${wanted} of ${app.name} is the live release already`
            : live && known.artifact === live.artifact
              ? `v${wanted} of ${app.name} has the same image as the live v${live.number}, so rolling back to it would change nothing (${restart})`
              : `the image of v${wanted} of ${app.name} was deleted by image retention (apps[].keepImages: ${app.keepImages})`;
  // With none to offer, the default's reason already says so; a named one's adds that there is none.
  if (targets.length === 0) return wanted === undefined ? why : `${why}; there is no earlier release to roll back to`;
  return `${why}; releases you can roll back to: ${targets.map((r) => `v${r.number}`).join(', ')}`;
}
