import type { CommandSpec } from '../src/dispatch/command-spec.ts';

/** The Cancel button as a command: the same action, the same rule (only the requester, for now). */
export const cancel: CommandSpec = {
  name: 'cancel',
  summary: 'Cancel a queued or running job (as its Cancel button does)',
  args: [{ name: 'job', type: 'job', required: true, summary: 'the job id, as "jobs" and the queued message show it' }],
  examples: ['cancel local-1f2e3d4c', 'cancel 0b6f7d1e-9c1a-4d2b-8f3e-5a6b7c8d9e0f'],
  sideEffects: 'removes a queued job, or stops a running one, which removes what it had started',
  run: { kind: 'action', action: 'cancel', value: 'job' },
};
