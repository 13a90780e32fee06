import type { Schedule } from '../config/schedule-schema.ts';
import type { Reply } from '../core/types.ts';
import { nextRuns } from './next-runs.ts';

/** `at` as a wall-clock time in `tz`: "2026-12-04 09:00". */
export function localTime(at: Date, tz: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** One line per schedule: its cron, where it posts, what it covers and its next run in its own zone (and in UTC, when that is another). */
export function describeSchedules(schedules: ReadonlyArray<Schedule>, now: Date): Reply {
  if (schedules.length === 0)
    return {
      title: 'schedules: none',
      status: 'info',
      text: 'No summaries are scheduled; add entries under schedules: in voxoz.yml.',
      ephemeral: true,
    };
  const lines = schedules.map((s) => {
    const next = nextRuns(s.cron, s.timezone, now)[0]!;
    const quiet = s.quiet ? `; quiet ${[s.quiet.days.join(','), s.quiet.hours].filter(Boolean).join(' ')}` : '';
    return `${s.name}: "${s.cron}" (${s.timezone}) to ${s.target.platform}:${s.target.channel}; apps ${s.apps.join(',')}, envs ${s.envs.join(',')}${quiet}; next ${localTime(next, s.timezone)} ${s.timezone}${s.timezone === 'UTC' ? '' : ` (${next.toISOString().slice(0, 16).replace('T', ' ')}Z)`}`;
  });
  return {
    title: `schedules: ${schedules.length}`,
    status: 'info',
    text: `${lines.join('\n')}\n"schedule run <name>" posts one now, here.`,
    ephemeral: true,
  };
}
