import type { Reply } from '../src/core/types.ts';
import type { AuditRecord } from '../src/audit/audit-record.ts';
import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { formatTable } from '../src/dispatch/format-table.ts';
import { utcMinute } from '../src/dispatch/utc-minute.ts';

/** Records shown in chat; the rest is for `voxoz audit export`. @defaultValue 25 */
const SHOWN = 25;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The newest audit records as a table: number, time, who, what, result. */
export function auditReply(records: ReadonlyArray<AuditRecord>, scope: string): Reply {
  if (records.length === 0)
    return { title: `audit (${scope}): nothing recorded`, status: 'info', text: 'No record matches.', ephemeral: true };
  const shown = records.slice(-SHOWN);
  const rows = shown.map((r) => [
    String(r.seq),
    utcMinute(r.at),
    r.person ?? r.actor,
    clip(r.what, 40),
    clip(`${r.type}: ${r.result}`, 70),
  ]);
  const more = records.length - shown.length;
  return {
    title: `audit (${scope}): ${records.length} record${records.length === 1 ? '' : 's'}`,
    status: 'info',
    text: `${more > 0 ? `The newest ${shown.length}; ${more} older ones are left out. ` : ''}"voxoz audit export" on voxoz's machine prints them all; "voxoz audit verify" checks the chain.`,
    code: [formatTable(['#', 'when', 'who', 'what', 'result'], rows)],
    ephemeral: true,
  };
}

export const audit: CommandSpec = {
  name: 'audit',
  summary: 'Show the audit trail: who did what, where, with which result (newest last)',
  args: [{ name: 'app', type: 'app', summary: 'only records about this app (default: all)' }],
  options: [{ name: 'since', type: 'duration', summary: 'only records newer than this, e.g. 1d, 2h (default: 1d)' }],
  examples: ['audit', 'audit hello --since 2h'],
  sideEffects: 'none (reads the audit trail)',
  run: {
    kind: 'answer',
    answer: async (args, ctx) => {
      if (!ctx.stores.audit)
        return { title: 'audit: not kept here', status: 'error', text: 'This voxoz keeps no audit trail.', ephemeral: true };
      const app = typeof args.app === 'string' ? args.app : undefined;
      const seconds = typeof args.since === 'number' ? args.since : 86_400;
      const since = new Date(ctx.now.getTime() - seconds * 1000);
      return auditReply(
        await ctx.stores.audit.list({ ...(app ? { app } : {}), since }),
        `${app ?? 'all apps'}, since ${utcMinute(since.toISOString())}`,
      );
    },
  },
};
