import type { CommandSpec } from '../src/dispatch/command-spec.ts';

export const status: CommandSpec = {
  name: 'status',
  aliases: ['st'],
  summary: 'Show the running instances of one app, or of every app, in each of its environments',
  args: [{ name: 'app', type: 'app', summary: 'the app to show (default: all apps)' }],
  options: [{ name: 'env', type: 'env', summary: 'only this environment (default: every environment the app has)' }],
  examples: ['status', 'status hello', 'status --env staging'],
  sideEffects: 'none (reads engine state)',
  run: { kind: 'job', job: 'status' },
};
