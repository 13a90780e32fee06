import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { quietReason } from '../../src/schedule/is-quiet.ts';
import { handleTick } from '../../src/schedule/schedule-ticks.ts';
import type { SystemJobRequest } from '../../src/store/record-system-job.ts';
import type { Logger } from '../../src/observability/logger.ts';

const config = validateConfig(
  {
    schedules: [
      {
        name: 'morning',
        cron: '0 * * * *',
        timezone: 'Europe/Kyiv',
        target: { platform: 'discord', channel: '123456789' },
        quiet: { days: ['sat', 'sun'], hours: '22-07' },
      },
    ],
  },
  '/tmp/voxoz.yml',
);
const morning = config.schedules[0]!;

describe('quiet days and hours, read in the schedule own time zone', () => {
  it.each([
    // Friday 2026-12-04 22:30Z is Saturday 00:30 in Kyiv (+2): a quiet day (the UTC day is still Friday).
    ['2026-12-04T22:30:00Z', 'sat is a quiet day'],
    // Thursday 20:00Z = 22:00 Kyiv: the first quiet hour; 04:59Z = 06:59: the last; 05:00Z = 07:00: awake.
    ['2026-12-03T20:00:00Z', '22:00 is within the quiet hours 22-07'],
    ['2026-12-03T04:59:00Z', '06:00 is within the quiet hours 22-07'],
    ['2026-12-03T05:00:00Z', undefined],
    ['2026-12-03T19:59:00Z', undefined],
  ])('at %s: %s', (at, reason) => {
    expect(quietReason(morning, new Date(at))).toBe(reason);
  });
});

describe('a tick', () => {
  const run = async (at: string, name = 'morning') => {
    const recorded: SystemJobRequest[] = [];
    const lines: string[] = [];
    const log = { info: (msg: string) => lines.push(msg) } as unknown as Logger;
    const systemJobs = {
      record: async (req: SystemJobRequest) => {
        recorded.push(req);
        return {} as never;
      },
    };
    const outcome = await handleTick({ config: () => config, systemJobs, log }, name, Date.parse(at));
    return { outcome, recorded, lines };
  };

  it('queues a summary for the target, named after the schedule and tick', async () => {
    const { outcome, recorded } = await run('2026-12-03T08:00:00Z');
    expect(outcome).toBe('queued');
    expect(recorded).toEqual([
      {
        kind: 'summary',
        why: 'schedule',
        command: 'summary morning',
        args: { schedule: 'morning', tick: '2026-12-03T08:00:00.000Z' },
        thread: { platform: 'discord', conversation: '123456789' },
        id: `schedule-morning-${Date.parse('2026-12-03T08:00:00Z')}`,
      },
    ]);
  });

  it('in quiet time queues nothing and says so in the log; a removed schedule queues nothing either', async () => {
    const quiet = await run('2026-12-03T21:00:00Z');
    expect(quiet).toMatchObject({ outcome: 'quiet', recorded: [] });
    expect(quiet.lines).toEqual(['schedule morning: summary skipped, 23:00 is within the quiet hours 22-07 (Europe/Kyiv)']);
    expect(await run('2026-12-03T08:00:00Z', 'gone')).toMatchObject({ outcome: 'unknown', recorded: [] });
  });
});
