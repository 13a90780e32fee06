import { type Schedule, WEEKDAYS } from '../config/schedule-schema.ts';

/** The weekday and hour of `at` in time zone `tz` (e.g. "sat", 22). */
export function localDayHour(at: Date, tz: string): { day: (typeof WEEKDAYS)[number]; hour: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: 'numeric', hourCycle: 'h23' }).formatToParts(at);
  const weekday = parts.find((p) => p.type === 'weekday')?.value.toLowerCase() ?? '';
  const day = WEEKDAYS.find((d) => weekday.startsWith(d)) ?? 'sun';
  return { day, hour: Number(parts.find((p) => p.type === 'hour')?.value ?? 0) };
}

/**
 * Why a tick at `at` falls in the schedule's quiet time, or undefined when it does not. Days and
 * hours are read in the schedule's own time zone; "22-07" covers 22:00 to 06:59, over midnight.
 */
export function quietReason(schedule: Pick<Schedule, 'quiet' | 'timezone'>, at: Date): string | undefined {
  if (!schedule.quiet) return undefined;
  const { day, hour } = localDayHour(at, schedule.timezone);
  if (schedule.quiet.days.includes(day)) return `${day} is a quiet day`;
  const hours = schedule.quiet.hours;
  if (!hours) return undefined;
  const [from, to] = hours.split('-').map(Number) as [number, number];
  const inside = from <= to ? hour >= from && hour < to : hour >= from || hour < to;
  return inside ? `${String(hour).padStart(2, '0')}:00 is within the quiet hours ${hours}` : undefined;
}
