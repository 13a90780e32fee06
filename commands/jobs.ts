import type { Reply } from '../src/core/types.ts';
import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { formatTable } from '../src/dispatch/format-table.ts';
import type { JobSummary } from '../src/dispatch/job-reader.ts';
import { utcMinute, utcSecond } from '../src/dispatch/utc-minute.ts';

function where(job: JobSummary): string {
  if (job.state === 'running') return 'running';
  if (job.state === 'scheduled') return `scheduled for ${utcSecond(job.runAt ?? '')}`;
  if (job.waitingFor) return `#${job.position} waiting behind ${job.waitingFor}`;
  return `#${job.position} ${job.state}`;
}

/** Running jobs, then queued ones with their position, then scheduled ones with their time, each with who asked and when. */
export function jobsReply(list: ReadonlyArray<JobSummary>, app?: string): Reply {
  const scope = app ?? 'all apps';
  if (list.length === 0) return { title: `jobs (${scope}): none`, status: 'info', text: 'No job is running or queued.', ephemeral: true };
  const running = list.filter((j) => j.state === 'running').length;
  const scheduled = list.filter((j) => j.state === 'scheduled').length;
  const queued = list.length - running - scheduled;
  const rows = list.map((j) => [j.id, where(j), j.command, j.env, j.requestedBy.name, utcMinute(j.requestedAt)]);
  const hints = [
    queued ? 'Position #1 starts next.' : '',
    running || queued ? '"cancel <job>" cancels one of yours.' : '',
    // Only a burst's scale-back is scheduled (burst.ts), and it is not cancelled (dispatch/actions.ts).
    scheduled ? 'A scheduled scale-back ends a burst at its time; "scale <app> <n>" ends the burst now.' : '',
  ];
  return {
    title: `jobs (${scope}): ${running} running, ${queued} queued${scheduled ? `, ${scheduled} scheduled` : ''}`,
    status: 'info',
    text: hints.filter(Boolean).join(' '),
    code: [formatTable(['job', 'state', 'command', 'env', 'asked by', 'since'], rows)],
    ephemeral: true,
  };
}

export const jobs: CommandSpec = {
  name: 'jobs',
  aliases: ['queue'],
  summary: 'List running and queued jobs with their position and who asked',
  args: [{ name: 'app', type: 'app', summary: 'only the jobs of this app (default: all)' }],
  examples: ['jobs', 'jobs hello'],
  sideEffects: 'none (reads the queue)',
  run: {
    kind: 'answer',
    answer: async (args, ctx) => {
      const app = typeof args.app === 'string' ? args.app : undefined;
      return jobsReply(await ctx.stores.jobs.list(app ? { app } : {}), app);
    },
  },
};
