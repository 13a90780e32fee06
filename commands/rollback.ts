import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { releaseWordsProblem } from '../src/jobs/processors/rollback-targets.ts';

export const rollback: CommandSpec = {
  name: 'rollback',
  summary: "Redeploy an earlier release's image (no rebuild) as a new release",
  args: [
    { name: 'app', type: 'app', required: true, summary: 'the app to roll back, as named in voxoz.yml' },
    {
      name: 'target',
      type: 'text',
      rest: true,
      check: releaseWordsProblem,
      summary: 'the release to redeploy, "v3" or "to v3" (default: the newest earlier release that went live and whose image is kept)',
    },
  ],
  options: [
    { name: 'env', type: 'env', summary: 'target environment (default: production)' },
    { name: 'dry-run', type: 'boolean', summary: 'print what would be started, switched, retired and deleted, and change nothing' },
  ],
  examples: ['rollback hello', 'rollback hello to v3', 'rollback web v2 --env staging', 'rollback hello --dry-run'],
  sideEffects:
    "starts the chosen release's image beside the running replicas, switches the front door to it and retires the old ones; recorded as a new release",
  run: { kind: 'job', job: 'rollback' },
};
