import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import type { JobData } from '../../src/core/types.ts';
import type { Driver, Instance } from '../../src/drivers/driver.ts';
import { summaryProcessor } from '../../src/jobs/processors/summary.ts';
import type { ProcessorContext } from '../../src/jobs/processors/processor.ts';
import type { RestartCounts } from '../../src/schedule/restarts-since.ts';
import type { FailedJob, SummaryHistory } from '../../src/schedule/summary-history.ts';

// "Since the last summary" with doubles of our own ports (the Redis-backed history is exercised
// by test/integration/summary-state.test.ts).
const config = validateConfig(
  {
    apps: [{ name: 'hello', source: { path: '.' }, port: 8080 }],
    schedules: [{ name: 'morning', cron: '0 9 * * *', target: { platform: 'local', channel: 'ops' } }],
  },
  '/tmp/voxoz.yml',
);

function context(
  args: JobData['args'],
  marks: Map<string, string>,
  at: string,
  instances: Instance[] = [],
  counts = new Map<string, RestartCounts>(),
) {
  const asked: number[] = [];
  const history: SummaryHistory = {
    failedSince: async (since): Promise<FailedJob[]> => {
      asked.push(since);
      return [];
    },
    approvalsSince: async () => [],
    mark: async (name) => marks.get(name),
    restartCounts: async (name) => counts.get(name),
    setMark: async (name, iso, restarts) => {
      marks.set(name, iso);
      counts.set(name, restarts);
    },
  };
  const driver = { status: async () => instances } as unknown as Driver;
  const lines: string[] = [];
  const ctx = {
    data: {
      id: 'j',
      kind: 'summary',
      command: 'summary morning',
      env: 'production',
      args,
      requestedBy: { id: 'system:schedule', name: 'voxoz' },
    },
    io: { log: (l: string) => lines.push(l), step: () => undefined, signal: new AbortController().signal, now: () => new Date(at) },
    config,
    drivers: { docker: driver },
    // Replicas given: release 1 is live with as many desired, so only restarts can need attention.
    releases: {
      list: async () =>
        instances.length === 0
          ? []
          : [
              {
                app: 'hello',
                env: 'production',
                number: 1,
                artifact: 'i',
                deployedBy: 'a',
                at: '2026-12-01T00:00:00Z',
                outcome: 'live',
                jobId: 'd',
              },
            ],
    },
    desired: { get: async (_a: string, _e: string, fallback: number) => instances.length || fallback, burst: async () => undefined },
    locks: { get: async () => undefined, list: async () => [] },
    summaries: history,
  } as unknown as ProcessorContext;
  return { ctx, asked, lines };
}

describe('since the last summary', () => {
  it('the first looks back 24 h; a scheduled run moves the mark to when it ran, a manual run leaves it', async () => {
    const marks = new Map<string, string>();
    const first = context({ schedule: 'morning', tick: '2026-12-03T09:00:00.000Z' }, marks, '2026-12-03T09:00:02Z');
    const result = await summaryProcessor.run(first.ctx);
    expect(first.asked).toEqual([Date.parse('2026-12-02T09:00:02Z')]);
    expect(result).toMatchObject({ title: 'morning summary: 1 not deployed' });
    expect(result.text).toContain('Since 2026-12-02 09:00Z: no changes');
    expect(marks.get('morning')).toBe('2026-12-03T09:00:02.000Z');
    expect(first.lines).toContain('hello (production): not deployed');

    const manual = context({ schedule: 'morning' }, marks, '2026-12-03T12:00:00Z');
    await summaryProcessor.run(manual.ctx);
    expect(manual.asked).toEqual([Date.parse('2026-12-03T09:00:02Z')]);
    expect(marks.get('morning')).toBe('2026-12-03T09:00:02.000Z');

    const next = context({ schedule: 'morning', tick: '2026-12-04T09:00:00.000Z' }, marks, '2026-12-04T09:00:01Z');
    await summaryProcessor.run(next.ctx);
    expect(next.asked).toEqual([Date.parse('2026-12-03T09:00:02Z')]);
    expect(marks.get('morning')).toBe('2026-12-04T09:00:01.000Z');
  });

  it('restarts count from the counts the last scheduled summary stored; a replica created since counts whole', async () => {
    const marks = new Map<string, string>();
    const counts = new Map<string, RestartCounts>();
    const replica = (id: string, restarts: number): Instance => ({ id, name: id, release: 1, state: 'running', healthy: true, restarts });
    const first = context({ schedule: 'morning', tick: 't1' }, marks, '2026-12-03T09:00:00Z', [replica('a', 2)], counts);
    expect((await summaryProcessor.run(first.ctx)).text).toContain('2 restarts since the last summary');
    expect(counts.get('morning')).toEqual({ a: 2 });

    // A manual run shows the same window and leaves the counts.
    const manual = context({ schedule: 'morning' }, marks, '2026-12-03T10:00:00Z', [replica('a', 5)], counts);
    expect((await summaryProcessor.run(manual.ctx)).text).toContain('3 restarts since the last summary');
    expect(counts.get('morning')).toEqual({ a: 2 });

    // a restarted 3 more times; b (created since) once: 4, needing attention.
    const next = context({ schedule: 'morning', tick: 't2' }, marks, '2026-12-04T09:00:00Z', [replica('a', 5), replica('b', 1)], counts);
    const result = await summaryProcessor.run(next.ctx);
    expect(result.title).toBe('morning summary: 1 needs attention');
    expect(next.lines).toContainEqual(expect.stringMatching(/^\[!\] hello \(production\): .* -- .*4 restarts since the last summary$/));
    expect(counts.get('morning')).toEqual({ a: 5, b: 1 });

    // Nothing restarted since: no restarts named, none needing attention for it.
    const quiet = context({ schedule: 'morning', tick: 't3' }, marks, '2026-12-05T09:00:00Z', [replica('a', 5), replica('b', 1)], counts);
    const calm = await summaryProcessor.run(quiet.ctx);
    expect(calm.title).toBe('morning summary: all 1 healthy');
    expect(calm.text).not.toContain('restart');
  });
});
