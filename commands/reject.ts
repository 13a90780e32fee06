import type { CommandSpec } from '../src/dispatch/command-spec.ts';

/** The Reject button as a command, with the reason as free words (the buttons ask for it in a form). */
export const reject: CommandSpec = {
  name: 'reject',
  summary: 'Reject a request that waits for approval, optionally saying why (as its Reject button does)',
  args: [
    { name: 'approval', type: 'job', required: true, summary: 'the approval id its message shows (apv-…)' },
    { name: 'reason', type: 'text', rest: true, summary: 'why, shown in the request’s message' },
  ],
  examples: ['reject apv-local-1f2e3d4c v5 has the login bug'],
  sideEffects: 'closes the request; nothing is run',
  role: 'viewer',
  run: { kind: 'action', action: 'reject', value: 'approval' },
};
