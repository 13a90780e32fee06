import { describe, expect, it } from 'vitest';
import type { JobData } from '../../src/core/types.ts';
import { actions } from '../../src/dispatch/actions.ts';
import { allow } from '../../src/dispatch/decision.ts';
import type { CancelResult } from '../../src/jobs/job-queue.ts';

const job = (kind: string, args: JobData['args'] = {}): JobData => ({
  id: `j-${kind}`,
  kind,
  command: `${kind} hello`,
  app: 'hello',
  env: 'production',
  args,
  requestedBy: { id: 'local:carol', name: 'carol' },
  thread: { platform: 'local', conversation: 'local' },
  requestedAt: '2026-12-07T00:00:00.000Z',
});

/** Cancel through a queue double (our own interface) that holds one job and answers `result`. */
async function cancelOf(data: JobData, result: CancelResult) {
  const asked: string[] = [];
  const reply = await actions.cancel(data.id, {
    user: { id: 'local:carol', name: 'carol' },
    queue: {
      get: async (id) => (id === data.id ? data : undefined),
      cancel: async (id) => {
        asked.push(id);
        return result;
      },
    },
    decide: async () => allow,
  });
  return { reply, asked };
}

describe('cancel', () => {
  it('tells a running job that changes things to undo what it started', async () => {
    const { reply, asked } = await cancelOf(job('deploy'), 'signalled');
    expect(asked).toEqual(['j-deploy']);
    expect(reply).toMatchObject({ title: 'deploy hello: cancelling', status: 'info', ephemeral: true });
    expect(reply.text).toBe(
      'Job j-deploy stopping; what it started is being removed (unless it has already made its change, which its thread will say).',
    );
  });

  it('says a running read or dry run has nothing to undo', async () => {
    for (const data of [job('logs', { follow: 60 }), job('status'), job('deploy', { 'dry-run': true })]) {
      const { reply, asked } = await cancelOf(data, 'signalled');
      expect(asked).toEqual([data.id]);
      expect(reply.text).toBe(`Job ${data.id} stopping; it only reads, so there is nothing to undo.`);
    }
  });

  it('keeps the queued, finished and unknown answers for every kind', async () => {
    expect((await cancelOf(job('logs'), 'removed')).reply.text).toBe('Job j-logs removed from the queue.');
    expect((await cancelOf(job('logs'), 'finished')).reply).toMatchObject({
      title: 'logs hello: not cancelled',
      text: 'Job j-logs already finished; nothing to cancel.',
    });
    // A kind no processor has (queued by a newer voxoz) is not taken for a read.
    expect((await cancelOf(job('toString'), 'signalled')).reply.text).toContain('what it started is being removed');
  });
});
