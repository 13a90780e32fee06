import type { Reply } from '../src/core/types.ts';
import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { formatTable } from '../src/dispatch/format-table.ts';
import { utcMinute } from '../src/dispatch/utc-minute.ts';
import type { Release } from '../src/store/release-store.ts';

/** Releases one answer shows, newest first. @defaultValue 20 */
export const RELEASES_SHOWN = 20;

/** The release that serves now: the newest that went live (a failed or cancelled deploy left the one before it serving). */
export function liveRelease(all: ReadonlyArray<Release>): Release | undefined {
  return [...all].sort((a, b) => b.number - a.number).find((r) => r.outcome === 'live');
}

function image(r: Release, pruned: ReadonlySet<string>): string {
  const id = r.artifact.replace(/^sha256:/, '').slice(0, 12);
  if (!id) return '-';
  // Image retention deleted it: this release can no longer be rolled back to.
  const gone = pruned.has(r.artifact) ? ' deleted' : '';
  return `${r.image ? `${r.image} (${id})` : id}${gone}`;
}

/**
 * What became of a release: `live` for the one serving, `replaced by vN` for one that went live
 * and was replaced (by the next release that went live), `failed` or `cancelled` for one that
 * never went live; and what it redeployed, for a rollback, a promote or a restart.
 */
function outcomeOf(r: Release, all: ReadonlyArray<Release>, live: Release | undefined): string {
  const next = r.outcome === 'live' && r !== live ? all.find((o) => o.number > r.number && o.outcome === 'live') : undefined;
  const outcome = next ? `replaced by v${next.number}` : r.outcome;
  return r.rollbackOf !== undefined
    ? `${outcome}, rollback of v${r.rollbackOf}`
    : r.promotedFrom
      ? `${outcome}, promoted from ${r.promotedFrom.env} v${r.promotedFrom.number}`
      : r.restartOf !== undefined
        ? `${outcome}, restart of v${r.restartOf}`
        : outcome;
}

/** The ledger of app+env as a table, newest first, with the live one marked. */
export function releasesReply(
  app: string,
  env: string,
  all: ReadonlyArray<Release>,
  pruned: ReadonlySet<string> = new Set(),
  /** How a platform identity is shown (AnswerContext.shownAs). */
  who: (userId: string) => string = (id) => id,
): Reply {
  if (all.length === 0)
    return {
      title: `${app} (${env}): no releases`,
      status: 'info',
      text: `Nothing was deployed yet; "deploy ${app}" makes v1.`,
      ephemeral: true,
    };
  const live = liveRelease(all);
  const oldestFirst = [...all].sort((a, b) => a.number - b.number);
  const shown = [...oldestFirst].reverse().slice(0, RELEASES_SHOWN);
  const rows = shown.map((r) => [
    `${r === live ? '* ' : '  '}v${r.number}`,
    outcomeOf(r, oldestFirst, live),
    image(r, pruned),
    r.commit ? r.commit.slice(0, 12) : '-',
    r.approvedBy ? `${who(r.deployedBy)} (approved by ${who(r.approvedBy)})` : who(r.deployedBy),
    utcMinute(r.at),
  ]);
  const more = all.length > shown.length ? ` (the newest ${shown.length} of ${all.length})` : '';
  return {
    title: `${app} (${env}): ${all.length} release${all.length === 1 ? '' : 's'}${more}`,
    status: 'info',
    text: `${live ? `* marks the live release: v${live.number}.` : 'No release went live yet.'}${pruned.size > 0 ? ' Images marked "deleted" were removed by image retention (apps[].keepImages); the others are kept.' : ''}`,
    code: [formatTable(['  release', 'outcome', 'image', 'commit', 'by', 'when'], rows)],
    ephemeral: true,
  };
}

export const releases: CommandSpec = {
  name: 'releases',
  aliases: ['history'],
  summary: 'List the releases of an app: number, image, commit, who, when, outcome, and which one is live',
  args: [{ name: 'app', type: 'app', required: true, summary: 'the app whose releases to list' }],
  options: [{ name: 'env', type: 'env', summary: 'environment (default: production)' }],
  examples: ['releases hello', 'releases web --env staging'],
  sideEffects: 'none (reads the release ledger)',
  run: {
    kind: 'answer',
    answer: async (args, ctx) => {
      const app = String(args.app);
      const env = typeof args.env === 'string' ? args.env : ctx.defaultEnv;
      const pruned = (await ctx.stores.releases.pruned?.(app, env)) ?? new Set<string>();
      return releasesReply(app, env, await ctx.stores.releases.list(app, env), pruned, ctx.shownAs);
    },
  },
};
