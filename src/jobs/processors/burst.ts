import { UserError } from '../../core/user-error.ts';
import { utcSecond } from '../../dispatch/utc-minute.ts';
import type { Burst } from '../../store/desired-store.ts';
import { burstPlan } from './change-plans.ts';
import { liveTarget } from './live-target.ts';
import type { JobProcessor } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';
import { MAX_REPLICAS, scaleBackId } from './scale.ts';

/** The longest burst. @defaultValue 24 h */
const MAX_BURST_MS = 24 * 3600_000;
const UNIT_MS = { s: 1000, m: 60_000, h: 3600_000 } as const;

/** What is wrong with a burst's "+<n>", or undefined when it is right. */
export function burstAddProblem(add: unknown): string | undefined {
  const given = String(add ?? '');
  const plus = /^\+(\d{1,6})$/.exec(given);
  if (!plus) return `write the replicas to add as +<n> (e.g. +3), got "${given}"`;
  const n = Number(plus[1]);
  if (n < 1) return `a burst adds at least one replica (+1..+${MAX_REPLICAS}), got "${given}"`;
  // The total (what runs now + n) is checked when the burst runs; more than the most replicas can never fit.
  return n > MAX_REPLICAS
    ? `a burst adds at most +${MAX_REPLICAS} replicas (an app runs at most ${MAX_REPLICAS}), got "${given}"`
    : undefined;
}

/** What is wrong with the word between a burst's "+<n>" and its duration, or undefined when it is "for". */
export function burstForProblem(word: unknown): string | undefined {
  return word === 'for' ? undefined : `write "for" before the duration (e.g. burst hello +3 for 10m), got "${String(word ?? '')}"`;
}

/** A burst's duration in ms ("10m" → 600000), 0 when it is not one of 1s..24h. */
function burstMs(duration: unknown): number {
  const d = /^(\d{1,5})([smh])$/.exec(String(duration ?? ''));
  const ms = d ? Number(d[1]) * UNIT_MS[d[2] as keyof typeof UNIT_MS] : 0;
  return ms >= 1000 && ms <= MAX_BURST_MS ? ms : 0;
}

/** What is wrong with a burst's duration, or undefined when it is right. */
export function burstDurationProblem(duration: unknown): string | undefined {
  return burstMs(duration) > 0 ? undefined : `a burst lasts 1s..24h, written like 90s, 10m or 2h; got "${String(duration ?? '')}"`;
}

/** A burst still recorded this long after its end did not end: its scale-back waits in the app's line, or failed. @defaultValue 60 s */
const OVERDUE_MS = 60_000;

/** True when the burst is still recorded a minute after its end (its scale-back did not run). */
export const burstOverdue = (burst: Burst, now: Date) => Date.parse(burst.until) + OVERDUE_MS <= now.getTime();

/**
 * A recorded burst as status and a refused burst show it: "+2 until <time>", or, once it is
 * overdue, since when and what ends it (`scale` to the desired count `base`).
 */
export function describeBurst(burst: Burst, place: { app: string; env: string; base: number }, now: Date): string {
  if (!burstOverdue(burst, now)) return `+${burst.add} until ${utcSecond(burst.until)}`;
  const env = place.env === 'production' ? '' : ` --env ${place.env}`;
  return `+${burst.add} overdue since ${utcSecond(burst.until)} (its scale-back has not run: it waits in the app's line, or it failed; "scale ${place.app} ${place.base}${env}" ends the burst)`;
}

/**
 * "+3" → 3; "10m" → 600000. Problems are UserErrors that say what was expected (the command's
 * parse says the same before anything is queued; a job queued otherwise is checked here).
 */
export function parseBurst(add: unknown, word: unknown, duration: unknown): { add: number; ms: number } {
  const addProblem = burstAddProblem(add);
  if (addProblem) throw new UserError('burst_bad_count', addProblem);
  const forProblem = burstForProblem(word);
  if (forProblem) throw new UserError('burst_bad_syntax', forProblem);
  const durationProblem = burstDurationProblem(duration);
  if (durationProblem) throw new UserError('burst_bad_duration', durationProblem);
  return { add: Number(String(add).slice(1)), ms: burstMs(duration) };
}

/**
 * burst <app> +<n> for <duration>: the live release runs n more replicas than its desired count
 * now, and a delayed system job (`scale` with `burstOf`, posted in this thread, recorded before
 * anything starts so a worker that dies here still ends the burst) returns it to the desired
 * count when the time is up. The desired count itself is unchanged; status shows the burst.
 */
export const burstProcessor: JobProcessor = {
  mutates: true,
  async run({ data, io, config, drivers, releases, desired, systemJobs }) {
    const app = findApp(config, data.app, data.env);
    checkEnvironment(app, data.env);
    const { add, ms } = parseBurst(data.args.add, data.args.for, data.args.duration);
    const driver = driverFor(drivers, app);
    if (!driver.scale || !desired || !systemJobs)
      throw new UserError('burst_unavailable', `this voxoz cannot burst ${app.name} (${app.runtime}); nothing was changed`);
    const current = await desired.burst(app.name, data.env);
    const base = await desired.get(app.name, data.env, app.replicas);
    if (current && current.job !== data.id)
      throw new UserError(
        'already_bursting',
        `${app.name} (${data.env}) is already bursting: ${describeBurst(current, { app: app.name, env: data.env, base }, io.now())}; nothing was changed`,
      );
    if (base + add > MAX_REPLICAS)
      throw new UserError('replicas_out_of_range', `${base} + ${add} replicas is more than ${MAX_REPLICAS}; nothing was changed`);
    const target = await liveTarget(releases, app, data.env);
    const until = new Date(io.now().getTime() + ms).toISOString();
    const untilShown = utcSecond(until);
    if (data.args['dry-run'] === true) return burstPlan(driver, target, base, add, untilShown);
    await desired.setBurst(app.name, data.env, { add, until, job: data.id });
    await systemJobs.record({
      kind: 'scale',
      why: 'burst-expiry',
      command: `scale ${app.name} ${base}`,
      app: app.name,
      env: data.env,
      args: { app: app.name, replicas: base, burstOf: data.id },
      thread: data.thread,
      origin: data.id,
      id: scaleBackId(data.id),
      delayMs: ms,
    });
    io.step('burst', 'running');
    const outcome = await driver.scale(target, base + add, io);
    io.step('burst', 'done');
    return {
      title: `${app.name} bursting to ${base + add} until ${untilShown} (${outcome.healthy}/${outcome.instances.length} healthy)`,
      text: `back to ${base} replica(s) at ${untilShown}, posted in this thread`,
      fields: [
        { label: 'release', value: `v${target.release}` },
        { label: 'environment', value: data.env },
        ...(outcome.address ? [{ label: 'address', value: outcome.address }] : []),
      ],
    };
  },
};
