import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { MAX_REPLICAS } from '../src/jobs/processors/scale.ts';

export const scale: CommandSpec = {
  name: 'scale',
  summary: "Set how many replicas of an app's live release run behind its front door",
  args: [
    { name: 'app', type: 'app', required: true, summary: 'the app to scale, as named in voxoz.yml' },
    {
      name: 'replicas',
      type: 'int',
      required: true,
      min: 0,
      max: MAX_REPLICAS,
      summary: `replicas to run (0..${MAX_REPLICAS}; 0 stops serving)`,
    },
  ],
  options: [
    { name: 'env', type: 'env', summary: 'target environment (default: production)' },
    { name: 'dry-run', type: 'boolean', summary: 'print what would be started, switched and retired, and change nothing' },
  ],
  examples: ['scale hello 3', 'scale web 1 --env staging', 'scale hello 0', 'scale hello 5 --dry-run'],
  sideEffects:
    "starts or retires replicas of the live release and switches the app's front door to the new set; the count is kept for later deploys",
  run: { kind: 'job', job: 'scale' },
};
