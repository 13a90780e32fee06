import { UserError } from '../src/core/user-error.ts';
import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { scheduleProblem } from '../src/jobs/processors/summary.ts';
import { describeSchedules } from '../src/schedule/describe-schedules.ts';

const scheduleArg = { name: 'schedule', type: 'word', summary: 'the schedule, by its name in voxoz.yml' } as const;

export const scheduleList: CommandSpec = {
  name: 'schedule list',
  summary: 'List the scheduled summaries and when each runs next, in its own time zone',
  args: [],
  examples: ['schedule list'],
  sideEffects: 'none (reads voxoz.yml)',
  run: { kind: 'answer', answer: (_args, ctx) => describeSchedules(ctx.schedules ?? [], ctx.now) },
};

export const scheduleRun: CommandSpec = {
  name: 'schedule run',
  summary: "Post a schedule's summary now, in this channel",
  args: [{ ...scheduleArg, required: true }],
  examples: ['schedule run morning'],
  sideEffects: 'none (reads engine state and history; the next scheduled summary still covers the same changes)',
  refuse: (args, config) => {
    const problem = scheduleProblem(config, String(args.schedule));
    return problem ? { title: 'unknown schedule', problem } : undefined;
  },
  run: { kind: 'job', job: 'summary' },
};

/**
 * `schedule` alone lists; `schedule list` and `schedule run <name>` are its subcommands. Its own
 * arguments exist for Discord's `/voxoz schedule action:run schedule:morning`, whose text is
 * parsed as the subcommand; an action that is neither gets here and is refused.
 */
export const schedule: CommandSpec = {
  name: 'schedule',
  aliases: ['schedules'],
  summary: 'List the scheduled summaries, or post one now ("schedule run <name>")',
  args: [{ name: 'action', type: 'word', summary: 'list (default) or run' }, scheduleArg],
  subcommands: [scheduleList, scheduleRun],
  examples: ['schedule'],
  sideEffects: 'none',
  run: {
    kind: 'answer',
    answer: (args, ctx) => {
      if (args.action === undefined) return describeSchedules(ctx.schedules ?? [], ctx.now);
      throw new UserError(
        'unknown_action',
        `"${String(args.action)}" is not a schedule action; use "schedule list" or "schedule run <name>"`,
      );
    },
  },
};
