import type { CommandSpec } from '../src/dispatch/command-spec.ts';

export const status: CommandSpec = {
  name: 'status',
  aliases: ['st'],
  summary: 'Show the running instances of one app, or of every app',
  args: [{ name: 'app', type: 'app', summary: 'the app to show (default: all apps)' }],
  options: [{ name: 'env', type: 'env', summary: 'environment (default: production)' }],
  examples: ['status', 'status hello'],
  sideEffects: 'none (reads engine state)',
  run: { kind: 'job', job: 'status' },
};
