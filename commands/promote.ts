import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { sameEnvironmentProblem } from '../src/jobs/processors/promote.ts';

export const promote: CommandSpec = {
  name: 'promote',
  summary: 'Deploy the image live in one environment to another, with no rebuild',
  args: [
    { name: 'app', type: 'app', required: true, summary: 'the app to promote, as named in voxoz.yml' },
    { name: 'from-env', type: 'env', required: true, summary: 'the environment whose live image is deployed (e.g. staging)' },
    { name: 'to-env', type: 'env', required: true, summary: 'the environment it is deployed to (e.g. production)' },
  ],
  options: [
    { name: 'dry-run', type: 'boolean', summary: 'print what would be started, switched, retired and deleted, and change nothing' },
  ],
  envArg: 'to-env',
  examples: ['promote hello staging production', 'promote hello staging production --dry-run'],
  sideEffects:
    "starts from-env's live image in to-env beside its running replicas, switches to-env's front door to it and retires the old ones; recorded as a new release of to-env",
  refuse: (args) => {
    const problem = sameEnvironmentProblem(String(args.app), String(args['from-env']), String(args['to-env']));
    return problem ? { title: 'same environment', problem } : undefined;
  },
  run: { kind: 'job', job: 'promote' },
};
