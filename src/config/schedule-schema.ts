import { z } from 'zod';
import { cronProblem, isTimeZone } from '../schedule/next-runs.ts';

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/** Weekday names quiet days are written with, in `Date#getDay` order. */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** How a channel is written on each platform a summary can be posted to. */
const CHANNELS = {
  slack: { pattern: /^[CG][A-Z0-9]{2,20}$/, example: 'a Slack channel id like C0123ABCD' },
  discord: { pattern: /^\d{1,20}$/, example: 'a Discord channel id (digits, quoted)' },
  local: { pattern: /^[a-z0-9][a-z0-9._-]{0,39}$/, example: 'a local channel name like ops' },
} as const;
const PLATFORMS = Object.keys(CHANNELS) as Array<keyof typeof CHANNELS>;

const glob = z.string().regex(/^[a-z0-9*?-]{1,40}$/, { error: (iss) => `must be a name or a glob like "web-*", got ${show(iss.input)}` });

/** Hours written "22-07": from the first hour (inclusive) to the second (exclusive), over midnight when it is smaller. */
const HOURS = /^([01]\d|2[0-3])-([01]\d|2[0-4])$/;

const target = z
  .strictObject({
    platform: z.enum(PLATFORMS, { error: (iss) => `must be one of ${PLATFORMS.join(', ')}, got ${show(iss.input)}` }),
    channel: z.string({ error: 'must be a channel (a string; quote Discord ids)' }),
  })
  .superRefine((t, ctx) => {
    const rule = CHANNELS[t.platform];
    if (rule && !rule.pattern.test(t.channel))
      ctx.addIssue({ code: 'custom', path: ['channel'], message: `must be ${rule.example}, got ${show(t.channel)}` });
  });

export const scheduleSchema = z.strictObject({
  /** Names the schedule in `schedule list|run` and its BullMQ job scheduler; renaming one replaces its scheduler. */
  name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, {
    error: (iss) => `must be lowercase letters, digits and dashes, starting with a letter (e.g. "morning"), got ${show(iss.input)}`,
  }),
  /** When it fires: 5 fields (minute hour day month weekday) or 6 (seconds first), as BullMQ's cron parser reads them. */
  cron: z.string({ error: 'must be a cron expression like "0 9 * * 1-5"' }).refine((c) => cronProblem(c) === undefined, {
    error: (iss) => `must be a cron expression like "0 9 * * 1-5" (${cronProblem(String(iss.input))}), got ${show(iss.input)}`,
  }),
  /** The IANA time zone `cron` is read in, e.g. Europe/Kyiv. @defaultValue "UTC" */
  timezone: z
    .string()
    .refine(isTimeZone, { error: (iss) => `must be an IANA time zone like "Europe/Kyiv" or "UTC", got ${show(iss.input)}` })
    .default('UTC'),
  /** Where the summary is posted. */
  target,
  /** Apps it covers, by name or glob. @defaultValue ["*"] */
  apps: z.array(glob).min(1).default(['*']),
  /** Environments it covers, by name or glob. @defaultValue ["*"] */
  envs: z.array(glob).min(1).default(['*']),
  /** Ticks that fall on these days or in these hours (in `timezone`) are skipped; the bot log says so. @defaultValue none */
  quiet: z
    .strictObject({
      /** e.g. [sat, sun]. @defaultValue [] */
      days: z.array(z.enum(WEEKDAYS, { error: (iss) => `must be one of ${WEEKDAYS.join(', ')}, got ${show(iss.input)}` })).default([]),
      /** e.g. "22-07": 22:00 to 07:00. @defaultValue none */
      hours: z
        .string()
        .regex(HOURS, { error: (iss) => `must be hours like "22-07" (from-to, 24-hour clock), got ${show(iss.input)}` })
        .optional(),
    })
    .optional(),
});

export type Schedule = z.infer<typeof scheduleSchema>;

/** `schedules:` in voxoz.yml. @defaultValue [] (no summaries) */
export const schedulesSection = {
  schedules: z.array(scheduleSchema, { error: 'must be a list of schedules' }).default([]),
};

/** Schedule names must be unique: each names one job scheduler. */
export function checkSchedules(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const list = (raw as { schedules?: unknown })?.schedules;
  if (!Array.isArray(list)) return [];
  const seen = new Map<string, number>();
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  list.forEach((entry: unknown, i) => {
    const name = (entry as { name?: unknown })?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first !== undefined)
      problems.push({
        path: ['schedules', i, 'name'],
        message: `"${name}" is already used by schedules[${first}]; schedule names must be unique`,
      });
    else seen.set(name, i);
  });
  return problems;
}
