import type { JobData } from '../../src/core/types.ts';

/** The job `status hello` makes for local user ann, under `id` (for tests that write a job's records by hand). */
export function statusJob(id: string): JobData {
  return {
    id,
    kind: 'status',
    command: 'status hello',
    app: 'hello',
    env: 'production',
    args: {},
    requestedBy: { id: 'local:ann', name: 'ann' },
    thread: { platform: 'local', conversation: 'local' },
    requestedAt: new Date().toISOString(),
  };
}
