import { CronExpressionParser } from 'cron-parser';

/**
 * The next `count` instants a cron expression fires after `after`, in time zone `tz`: the same
 * parser and the same options BullMQ's job schedulers use (`pattern` + `tz`), so what
 * `schedule list` shows is when the summary is queued. Throws on a bad expression or zone.
 */
export function nextRuns(cron: string, tz: string, after: Date, count = 1): Date[] {
  const interval = CronExpressionParser.parse(cron, { tz, currentDate: after });
  return Array.from({ length: count }, () => interval.next().toDate());
}

/** Why `cron` is not a cron expression BullMQ accepts, or undefined when it is one. */
export function cronProblem(cron: string): string | undefined {
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' }).next();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** True when `zone` is an IANA time zone this Node knows (e.g. Europe/Kyiv). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
