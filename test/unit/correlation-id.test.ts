import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { AuditEntry } from '../../src/audit/audit-record.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import type { JobData } from '../../src/core/types.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { createDispatcher } from '../../src/dispatch/dispatcher.ts';
import { requesterPolicy } from '../../src/dispatch/policy.ts';
import type { JobQueue } from '../../src/jobs/job-queue.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { LockStore } from '../../src/store/lock-store.ts';

/**
 * One id per command (its correlation id) in the job it queues, its audit record, voxoz's log
 * and any internal-error reply, with doubles of our own ports (queue, audit trail, lock store).
 */
const config = validateConfig({ apps: [{ name: 'hello', source: { path: '/nonexistent' }, port: 18080 }] }, '/test/voxoz.yml');

function setup(enqueue: (data: JobData) => Promise<'queued'>) {
  const audited: AuditEntry[] = [];
  const logged: Array<Record<string, unknown>> = [];
  const dispatcher = createDispatcher({
    registry: createRegistry(commands),
    config: () => config,
    queue: { enqueue, list: async () => [] } as unknown as JobQueue,
    releases: { list: async () => [], get: async () => undefined },
    locks: { get: async () => undefined } as unknown as LockStore,
    policy: requesterPolicy,
    audit: {
      record: async (entry) => {
        audited.push(entry);
        return { ...entry, seq: audited.length, at: '', prev: '', mac: '' };
      },
      list: async () => [],
    },
    log: createLogger('debug', {}, (line) => logged.push(JSON.parse(line))),
  });
  const say = (text: string, deliveryId?: string) =>
    dispatcher.handle({
      platform: 'slack',
      user: { id: 'slack:T1/U1', name: 'alice' },
      conversation: 'C1',
      text,
      receivedAt: new Date(),
      ...(deliveryId ? { deliveryId } : {}),
    });
  return { say, audited, logged };
}

describe('a command has one correlation id', () => {
  it('a queued job has it as its id, and its audit record names it as job and as corr', async () => {
    const queued: JobData[] = [];
    const { say, audited } = setup(async (data) => {
      queued.push(data);
      return 'queued';
    });
    const outcome = await say('deploy hello', '123.456');
    expect(outcome.type).toBe('queued');
    expect(queued[0]!.id).toBe('slack-123.456');
    expect(audited).toEqual([
      expect.objectContaining({ job: 'slack-123.456', corr: 'slack-123.456', result: 'queued as job slack-123.456' }),
    ]);
  });

  it('an internal error is answered with the same id its audit record and the log line carry', async () => {
    const { say, audited, logged } = setup(async () => {
      throw new Error('the queue fell over');
    });
    const outcome = await say('deploy hello');
    const ref = /\(ref ([\w.-]+)\)/.exec(outcome.reply.text ?? '')?.[1];
    expect(outcome.reply.text).toMatch(/^voxoz hit an internal error \(ref [\w-]{36}\); nothing was queued\.$/);
    expect(audited.map((a) => a.corr)).toEqual([ref]);
    expect(audited[0]!.result).toContain(`(ref ${ref})`);
    const line = logged.find((l) => l.msg === 'dispatch failed');
    expect(line).toMatchObject({ corr: ref, level: 'error' });
    expect(JSON.stringify(line)).toContain('the queue fell over');
    // Another command, another id.
    await say('deploy hello');
    expect(new Set(audited.map((a) => a.corr)).size).toBe(2);
  });
});
