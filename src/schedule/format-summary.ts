import { burstOverdue } from '../jobs/processors/burst.ts';
import type { JobResult } from '../jobs/processors/processor.ts';
import type { Release } from '../store/release-store.ts';
import type { ApprovalChange } from './approvals-since.ts';
import type { AppEnvState, SummaryState } from './gather-summary.ts';
import type { FailedJob } from './summary-history.ts';

/**
 * Characters of the parent message's text: under Discord's 2,000 for content and Slack's 3,000
 * per section, with room for the title and fields. What does not fit is in the thread. @defaultValue 1800
 */
export const SUMMARY_TEXT_MAX = 1800;

/** "45s", "12m", "5h", "3d": how long ago `iso` was at `now`. */
export function age(iso: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86_400 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86_400)}d`;
}

/** Why an app environment needs a person; empty when it does not. */
export function attentionOf(row: AppEnvState, now: Date): string[] {
  if (row.unreadable) return [`state unreadable: ${row.unreadable}`];
  const out: string[] = [];
  if (row.burst && burstOverdue(row.burst, now))
    out.push(`burst +${row.burst.add} overdue since ${row.burst.until.slice(11, 16)}Z (its scale-back has not run)`);
  if (row.last?.outcome === 'failed') out.push(`last deploy v${row.last.number} failed`);
  if (row.live && row.healthy < row.desired) out.push(`${row.healthy}/${row.desired} healthy`);
  if (row.live && row.running !== row.desired) out.push(`drift: ${row.running} running, ${row.desired} desired`);
  if (!row.live && row.running > 0) out.push(`${row.running} running without a live release`);
  if (row.failed.length > 0) out.push(`${row.failed.length} failed job${row.failed.length === 1 ? '' : 's'}`);
  if (row.restarts) out.push(`${row.restarts} restart${row.restarts === 1 ? '' : 's'} since the last summary`);
  return out;
}

const what = (r: Release) =>
  r.rollbackOf !== undefined
    ? `rollback to v${r.rollbackOf}`
    : r.promotedFrom
      ? `promote from ${r.promotedFrom.env}`
      : r.restartOf !== undefined
        ? `restart of v${r.restartOf}`
        : 'deploy';

/** How a platform identity is shown (access/grants.ts shownAs: the person's name in `people`, else the identity). */
export type ShowWho = (userId: string) => string;
const asIs: ShowWho = (id) => id;

function describeRelease(r: Release, now: Date, who: ShowWho): string {
  return `${r.app} (${r.env}) v${r.number} ${what(r)} by ${who(r.deployedBy)}${r.approvedBy ? ` (approved by ${who(r.approvedBy)})` : ''} ${age(r.at, now)} ago: ${r.outcome}`;
}

function describeApproval(a: ApprovalChange, now: Date, who: ShowWho): string {
  const decided = a.state === 'approved' || a.state === 'rejected' ? `${a.state} by ${who(a.by)}` : a.state;
  return `approval: ${a.what} ${decided} ${age(a.at, now)} ago`;
}

const describeFailure = (f: FailedJob, now: Date, who: ShowWho) => `${f.command} (${f.env}) by ${who(f.by)} ${age(f.at, now)} ago: failed`;

/** One line per app environment: what a person at 9 a.m. wants to know, problems first. */
export function describeRow(row: AppEnvState, now: Date, who: ShowWho = asIs): string {
  const parts = [
    row.live ? `v${row.live.number} live ${age(row.live.at, now)}` : 'not deployed',
    // Nothing to count where nothing went live and nothing runs ("0/1 healthy" would read as broken).
    ...(row.live || row.running > 0 ? [`${row.healthy}/${row.desired} healthy`] : []),
    ...(row.burst && !burstOverdue(row.burst, now) ? [`burst +${row.burst.add} until ${row.burst.until.slice(11, 16)}Z`] : []),
    ...(row.lock ? [`locked by ${row.lock.by.name}${row.lock.reason ? ` (${row.lock.reason})` : ''}`] : []),
    ...(row.last
      ? [`last deploy v${row.last.number} by ${who(row.last.deployedBy)} ${age(row.last.at, now)} ago, ${row.last.outcome}`]
      : []),
  ];
  const problems = attentionOf(row, now);
  return `${problems.length > 0 ? '[!] ' : ''}${row.app} (${row.env}): ${parts.join('; ')}${problems.length > 0 ? ` -- ${problems.join(', ')}` : ''}`;
}

/** Lines taken while they fit in `budget` characters; the rest are counted in a last line. */
function fitLines(lines: string[], budget: number): string[] {
  const out: string[] = [];
  let used = 0;
  for (const [i, line] of lines.entries()) {
    if (used + line.length + 1 > budget - 40) {
      out.push(`... and ${lines.length - i} more in the thread`);
      break;
    }
    out.push(line);
    used += line.length + 1;
  }
  return out;
}

/**
 * The summary as one parent message (a verdict title and compact text within the platforms'
 * limits) and the full detail, one line per change and app environment, for the thread.
 * Apps that need attention come first; apps never deployed are named but are not "healthy".
 * People are shown by `who` (their names in `people`, where listed).
 */
export function formatSummary(state: SummaryState, now: Date, who: ShowWho = asIs): { result: JobResult; details: string[] } {
  const rows = [...state.rows].sort((a, b) => Number(attentionOf(b, now).length > 0) - Number(attentionOf(a, now).length > 0));
  const attention = rows.filter((r) => attentionOf(r, now).length > 0).length;
  const healthy = rows.filter((r) => r.live && attentionOf(r, now).length === 0).length;
  const idle = rows.length - attention - healthy;
  const verdict =
    rows.length === 0
      ? 'no apps covered'
      : [
          ...(attention > 0 ? [`${attention} need${attention === 1 ? 's' : ''} attention`] : []),
          ...(healthy > 0 ? [attention > 0 ? `${healthy} healthy` : `all ${healthy} healthy`] : []),
          ...(idle > 0 ? [`${idle} not deployed`] : []),
        ].join(', ');
  const changes = [
    ...state.releases.map((r) => describeRelease(r, now, who)),
    ...(state.approvals ?? []).map((a) => describeApproval(a, now, who)),
    ...state.otherFailures.map((f) => describeFailure(f, now, who)),
  ];
  const since = `Since ${state.since.slice(0, 16).replace('T', ' ')}Z: ${changes.length === 0 ? 'no changes' : `${changes.length} change${changes.length === 1 ? '' : 's'}`}`;
  const appLines = rows.map((r) => describeRow(r, now, who));
  const head = [since, ...fitLines(changes, SUMMARY_TEXT_MAX / 3)];
  const text = [...head, '', ...fitLines(appLines, SUMMARY_TEXT_MAX - head.join('\n').length)].join('\n');
  return {
    result: {
      title: `${state.schedule} summary: ${verdict}`,
      text,
      ...(attention > 0 ? { attention: true as const } : {}),
    },
    details: [since, ...changes.map((c) => `change: ${c}`), ...appLines],
  };
}
