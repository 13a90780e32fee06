import type { Reply } from '../src/core/types.ts';
import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { formatTable } from '../src/dispatch/format-table.ts';
import { utcMinute } from '../src/dispatch/utc-minute.ts';
import type { WorkerCard } from '../src/jobs/worker-presence.ts';

/** Which workers are alive, what they can run (what they reach) and what they are running. */
export function workersReply(cards: ReadonlyArray<WorkerCard>): Reply {
  if (cards.length === 0)
    return {
      title: 'workers: none alive',
      status: 'error',
      text: 'No worker has said it is alive in the last 15 s: every command that needs one is refused. Start `voxoz worker` (or voxoz with worker.inProcess: true).',
      ephemeral: true,
    };
  const busy = cards.reduce((n, c) => n + c.running.length, 0);
  const rows = cards.map((c) => [
    c.id,
    c.reaches.join(', ') || '-',
    `${c.running.length}/${c.concurrency}${c.running.length > 0 ? ` (${c.running.map((r) => `${r.id} ${r.command}`).join('; ')})` : ''}`,
    utcMinute(c.since),
  ]);
  return {
    title: `workers: ${cards.length} alive, ${busy} job${busy === 1 ? '' : 's'} running`,
    status: 'info',
    text: "A job goes to a worker that reaches its app environment's target (a Docker engine or Swarm, or its Xen hosts).",
    code: [formatTable(['worker', 'reaches', 'running', 'since'], rows)],
    ephemeral: true,
  };
}

export const workers: CommandSpec = {
  name: 'workers',
  summary: 'List the workers alive: what each reaches and what it runs',
  args: [],
  examples: ['workers'],
  sideEffects: 'none (reads what workers say of themselves)',
  run: {
    kind: 'answer',
    answer: async (_args, ctx) => workersReply(await ctx.stores.jobs.workers()),
  },
};
