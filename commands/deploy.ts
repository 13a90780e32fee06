import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { refProblem } from '../src/jobs/processors/deploy.ts';

export const deploy: CommandSpec = {
  name: 'deploy',
  aliases: ['ship'],
  summary: 'Build an app and replace its running instances with the new release',
  args: [
    { name: 'app', type: 'app', required: true, summary: 'the app to deploy, as named in voxoz.yml' },
    { name: 'ref', type: 'gitref', summary: 'git branch, tag or commit to build (git sources only; default: the configured ref)' },
  ],
  options: [
    { name: 'env', type: 'env', summary: 'target environment (default: production)' },
    { name: 'dry-run', type: 'boolean', summary: 'print what would be built, started, switched and retired, and change nothing' },
  ],
  examples: ['deploy hello', 'deploy web v1.4.2', 'deploy web main --env staging', 'deploy hello --dry-run'],
  sideEffects:
    "builds an image and replaces the app's running containers; the previous release is restored if the new one fails its health check",
  refuse: (args, config) => {
    const app = config.apps.find((a) => a.name === args.app);
    const problem = app && refProblem(app, typeof args.ref === 'string' ? args.ref : undefined);
    return problem ? { title: 'no git refs', problem } : undefined;
  },
  run: { kind: 'job', job: 'deploy' },
};
