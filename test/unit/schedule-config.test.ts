import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../src/config/load-config.ts';
import { nextRuns } from '../../src/schedule/next-runs.ts';

const problems = (raw: unknown) => {
  try {
    validateConfig(raw, '/tmp/voxoz.yml');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};
const good = { name: 'morning', cron: '0 9 * * *', timezone: 'Europe/Kyiv', target: { platform: 'local', channel: 'ops' } };

describe('schedules in voxoz.yml', () => {
  it('defaults: no schedules; an entry covers every app and environment in UTC, never quiet', () => {
    expect(validateConfig({}, '/tmp/voxoz.yml').schedules).toEqual([]);
    const { timezone: _tz, ...utc } = good;
    expect(validateConfig({ schedules: [utc] }, '/tmp/voxoz.yml').schedules).toEqual([
      { ...utc, timezone: 'UTC', apps: ['*'], envs: ['*'] },
    ]);
  });

  it('names every problem with its path: bad cron, bad time zone, unknown platform, bad channel, quiet, duplicate names', () => {
    expect(
      problems({
        schedules: [
          { ...good, cron: '61 9 * * *' },
          { ...good, name: 'b', timezone: 'Europe/Kiev-ish' },
          { ...good, name: 'c', target: { platform: 'teams', channel: 'ops' } },
          { ...good, name: 'd', target: { platform: 'slack', channel: '#ops' } },
          { ...good, name: 'e', quiet: { days: ['saturday'], hours: '22-7' } },
          { ...good, name: 'b' },
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^schedules\[0\]\.cron: must be a cron expression like "0 9 \* \* 1-5" \(.*61.*\), got "61 9 \* \* \*"$/),
      'schedules[1].timezone: must be an IANA time zone like "Europe/Kyiv" or "UTC", got "Europe/Kiev-ish"',
      'schedules[2].target.platform: must be one of slack, discord, local, got "teams"',
      'schedules[3].target.channel: must be a Slack channel id like C0123ABCD, got "#ops"',
      'schedules[4].quiet.days[0]: must be one of sun, mon, tue, wed, thu, fri, sat, got "saturday"',
      'schedules[4].quiet.hours: must be hours like "22-07" (from-to, 24-hour clock), got "22-7"',
      'schedules[5].name: "b" is already used by schedules[1]; schedule names must be unique',
    ]);
  });
});

describe('next runs of 0 9 * * * in Europe/Kyiv across DST changes', () => {
  it('09:00 local is 07:00Z in winter time and 06:00Z in summer time (last Sunday of March 2026 = 29th)', () => {
    const runs = nextRuns('0 9 * * *', 'Europe/Kyiv', new Date('2026-03-27T12:00:00Z'), 3);
    expect(runs.map((d) => d.toISOString())).toEqual(['2026-03-28T07:00:00.000Z', '2026-03-29T06:00:00.000Z', '2026-03-30T06:00:00.000Z']);
  });

  it('and back to 07:00Z after the last Sunday of October 2026 (the 25th)', () => {
    const runs = nextRuns('0 9 * * *', 'Europe/Kyiv', new Date('2026-10-23T12:00:00Z'), 3);
    expect(runs.map((d) => d.toISOString())).toEqual(['2026-10-24T06:00:00.000Z', '2026-10-25T07:00:00.000Z', '2026-10-26T07:00:00.000Z']);
  });
});
