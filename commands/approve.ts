import type { CommandSpec } from '../src/dispatch/command-spec.ts';

/** The Approve button as a command: the same action, the same rules (approver on the app/env, never one's own request). */
export const approve: CommandSpec = {
  name: 'approve',
  summary: 'Approve a request that waits for approval (as its Approve button does)',
  args: [{ name: 'approval', type: 'job', required: true, summary: 'the approval id its message shows (apv-…)' }],
  examples: ['approve apv-local-1f2e3d4c'],
  sideEffects: 'queues the approved job in the request’s thread, as the requester’s, approved by you',
  role: 'viewer',
  run: { kind: 'action', action: 'approve', value: 'approval' },
};
