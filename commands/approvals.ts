import type { ApprovalRecord } from '../src/approvals/approval-store.ts';
import type { Reply } from '../src/core/types.ts';
import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { formatTable } from '../src/dispatch/format-table.ts';
import { utcMinute } from '../src/dispatch/utc-minute.ts';

/** The requests that wait for a decision, soonest to expire first: what, who asked, who may approve, until when. */
export function approvalsReply(list: ReadonlyArray<ApprovalRecord>, app?: string): Reply {
  const scope = app ?? 'all apps';
  if (list.length === 0)
    return { title: `approvals (${scope}): none waiting`, status: 'info', text: 'No request waits for approval.', ephemeral: true };
  const rows = list.map(({ request: r }) => [r.id, r.summary, r.job.requestedBy.name, r.approvers.join(', '), utcMinute(r.expiresAt)]);
  return {
    title: `approvals (${scope}): ${list.length} waiting`,
    status: 'info',
    text: '"approve <approval>" runs one as its requester asked (not your own); "reject <approval> [reason]" closes it. Each also has its buttons in the thread it was asked in.',
    code: [formatTable(['approval', 'asks for', 'asked by', 'who may approve', 'expires'], rows)],
    ephemeral: true,
  };
}

export const approvals: CommandSpec = {
  name: 'approvals',
  summary: 'List the requests that wait for approval: what, who asked, who may approve, until when',
  args: [{ name: 'app', type: 'app', summary: 'only the requests for this app (default: all)' }],
  examples: ['approvals', 'approvals hello'],
  sideEffects: 'none',
  run: {
    kind: 'answer',
    answer: async (args, ctx) => {
      const app = typeof args.app === 'string' ? args.app : undefined;
      const pending = (await ctx.stores.approvals?.pending()) ?? [];
      return approvalsReply(
        pending.filter((a) => !app || a.request.job.app === app),
        app,
      );
    },
  },
};
