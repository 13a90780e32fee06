import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import type { JobData } from '../../src/core/types.ts';
import type { Driver } from '../../src/drivers/driver.ts';
import { summaryProcessor } from '../../src/jobs/processors/summary.ts';
import type { ProcessorContext } from '../../src/jobs/processors/processor.ts';
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

function context(args: JobData['args'], marks: Map<string, string>, at: string) {
  const asked: number[] = [];
  const history: SummaryHistory = {
    failedSince: async (since): Promise<FailedJob[]> => {
      asked.push(since);
      return [];
    },
    mark: async (name) => marks.get(name),
    setMark: async (name, iso) => {
      marks.set(name, iso);
    },
  };
  const driver = { status: async () => [] } as unknown as Driver;
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
    releases: { list: async () => [] },
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
    expect(first.lines).toContain('hello (production): not deployed; 0/1 healthy');

    const manual = context({ schedule: 'morning' }, marks, '2026-12-03T12:00:00Z');
    await summaryProcessor.run(manual.ctx);
    expect(manual.asked).toEqual([Date.parse('2026-12-03T09:00:02Z')]);
    expect(marks.get('morning')).toBe('2026-12-03T09:00:02.000Z');

    const next = context({ schedule: 'morning', tick: '2026-12-04T09:00:00.000Z' }, marks, '2026-12-04T09:00:01Z');
    await summaryProcessor.run(next.ctx);
    expect(next.asked).toEqual([Date.parse('2026-12-03T09:00:02Z')]);
    expect(marks.get('morning')).toBe('2026-12-04T09:00:01.000Z');
  });
});
