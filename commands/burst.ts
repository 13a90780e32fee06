import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { burstAddProblem, burstDurationProblem, burstForProblem } from '../src/jobs/processors/burst.ts';

export const burst: CommandSpec = {
  name: 'burst',
  summary: 'Run more replicas of the live release for a while, then go back to the desired count',
  args: [
    { name: 'app', type: 'app', required: true, summary: 'the app to burst, as named in voxoz.yml' },
    {
      name: 'add',
      type: 'text',
      required: true,
      summary: 'replicas to add, written +<n> (e.g. +3): +1..+100, and at most 100 in all',
      written: '+<n>',
      check: burstAddProblem,
    },
    { name: 'for', type: 'word', required: true, summary: 'the word "for"', written: 'for', check: burstForProblem },
    { name: 'duration', type: 'word', required: true, summary: 'how long: 90s, 10m, 2h (at most 24h)', check: burstDurationProblem },
  ],
  options: [
    { name: 'env', type: 'env', summary: 'target environment (default: production)' },
    { name: 'dry-run', type: 'boolean', summary: 'print what would be started, switched and retired, and change nothing' },
  ],
  examples: ['burst hello +3 for 10m', 'burst web +10 for 1h --env staging', 'burst hello +2 for 1h --dry-run'],
  sideEffects:
    'starts replicas of the live release behind the front door now; a delayed job posted in the same thread retires them when the time is up',
  run: { kind: 'job', job: 'burst' },
};
