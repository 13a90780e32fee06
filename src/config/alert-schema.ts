import { z } from 'zod';
import { wholeNumber } from './whole-number.ts';

const whole = wholeNumber;

/** One channel on one platform, as `chat.systemChannel` writes it. */
const alertChannel = z.union(
  [
    z.strictObject({ slack: z.string().regex(/^[CG][A-Z0-9]{2,20}$/, { error: 'must be a Slack channel id like C0123ABCD' }) }),
    z.strictObject({ discord: z.string().regex(/^\d{1,20}$/, { error: 'must be a Discord channel id (digits, quoted)' }) }),
    z.strictObject({ local: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, { error: 'must be a local channel name like ops' }) }),
  ],
  { error: 'must name one channel: { slack: C0123ABCD } or { discord: "123…" } or { local: ops }' },
);

/** @defaultValue 3 dies within 300 s */
export const CRASH_LOOP_DEFAULTS = { dies: 3, withinSeconds: 300 };

/**
 * An app's alert rules (`apps[].alerts`): incidents (unhealthy, crash loop, OOM kill, fewer
 * replicas than desired) of its live environments, each posted once and edited as it evolves.
 */
export const alertsSchema = z.strictObject({
  /** No alerts for this app. @defaultValue false */
  off: z.boolean({ error: 'must be true or false' }).default(false),
  /** Where its incidents are posted. @defaultValue the first of `chat.systemChannel` */
  channel: alertChannel.optional(),
  /** How many replica exits (not OOM kills) within how long make a crash loop. @defaultValue { dies: 3, withinSeconds: 300 } */
  crashLoop: z
    .strictObject({ dies: whole(1, 1000).default(CRASH_LOOP_DEFAULTS.dies), withinSeconds: whole(10, 86_400).default(300) })
    .default(CRASH_LOOP_DEFAULTS),
  /** How long fewer replicas than desired, or an unhealthy one, must last before it is an incident (deploys and scales pass). @defaultValue 60 */
  graceSeconds: whole(0, 3600).default(60),
  /** How long the app must run at its desired count, healthy and without an exit, before an incident closes. @defaultValue 120 */
  stableSeconds: whole(1, 86_400).default(120),
});

export type AlertRules = z.infer<typeof alertsSchema>;

/** @defaultValue on, in the system channel, 3 dies in 300 s, 60 s grace, 120 s stable */
export const ALERT_DEFAULTS: AlertRules = { off: false, crashLoop: CRASH_LOOP_DEFAULTS, graceSeconds: 60, stableSeconds: 120 };
