import type { CommandSpec } from '../src/dispatch/command-spec.ts';

export const restart: CommandSpec = {
  name: 'restart',
  summary: "Start an app's live release afresh (same image, no rebuild, voxoz.yml's settings as they are now)",
  args: [{ name: 'app', type: 'app', required: true, summary: 'the app to restart, as named in voxoz.yml' }],
  options: [
    { name: 'env', type: 'env', summary: 'target environment (default: production)' },
    { name: 'dry-run', type: 'boolean', summary: 'print what would be started, switched and retired, and change nothing' },
  ],
  examples: ['restart hello', 'restart web --env staging', 'restart hello --dry-run'],
  sideEffects:
    "starts new replicas of the live release's image beside the running ones, switches the front door to them once healthy and retires the old ones; recorded as a new release",
  run: { kind: 'job', job: 'restart' },
};
