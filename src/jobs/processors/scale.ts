import { UserError } from '../../core/user-error.ts';
import { utcSecond } from '../../dispatch/utc-minute.ts';
import { scalePlan } from './change-plans.ts';
import { liveTarget } from './live-target.ts';
import type { JobProcessor } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';

/** Bounds of a desired replica count (the command spec checks them too; a queued job is checked again). @defaultValue 0..100 */
export const MIN_REPLICAS = 0;
export const MAX_REPLICAS = 100;

/** The id of the scale-back the burst job `burstJob` records (stable: a retried burst records it once). */
export const scaleBackId = (burstJob: string) => `${burstJob}-back`;

/**
 * scale <app> <n>: the live release (the newest release that went live) runs `n` replicas
 * behind the front door, and `n` is stored as the desired count that later deploys start (a
 * burst in progress ends: the count is the whole count). Refused with nothing changed when the
 * app has no live release or its driver cannot scale. With `args.burstOf` it is a burst's
 * scale-back (a system job): it returns to the desired count, and only while that burst is
 * still the recorded one (a `scale` since then already set the count).
 */
export const scaleProcessor: JobProcessor = {
  mutates: true,
  async run({ data, io, config, drivers, releases, desired, systemJobs }) {
    const app = findApp(config, data.app, data.env);
    checkEnvironment(app, data.env);
    const driver = driverFor(drivers, app);
    if (!driver.scale || !desired)
      throw new UserError(
        'scale_unavailable',
        `the ${app.runtime} runtime of this voxoz cannot scale ${app.name} yet; nothing was changed`,
      );
    const burstOf = typeof data.args.burstOf === 'string' ? data.args.burstOf : undefined;
    let n = data.args.replicas;
    if (burstOf) {
      const burst = await desired.burst(app.name, data.env);
      if (burst?.job !== burstOf) return { title: `${app.name}: the burst was already ended by a later scale; nothing to scale back` };
      n = await desired.get(app.name, data.env, app.replicas);
    }
    // A person's scale ends a burst in progress: its scale-back then has nothing to do.
    const ended = burstOf ? undefined : await desired.burst(app.name, data.env);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_REPLICAS || n > MAX_REPLICAS)
      throw new UserError('replicas_out_of_range', `replicas must be a whole number ${MIN_REPLICAS}..${MAX_REPLICAS}, got ${String(n)}`);
    const target = await liveTarget(releases, app, data.env);
    if (data.args['dry-run'] === true) return scalePlan(driver, target, n, await desired.get(app.name, data.env, app.replicas));
    io.step('scale', 'running');
    const outcome = await driver.scale(target, n, io);
    if (!burstOf) await desired.set(app.name, data.env, n);
    // The ended burst's scale-back runs now (after this job, in the app's line) rather than at
    // the burst's end, and says so in the burst's thread. Before the burst is cleared: a retry
    // after a crash here finds the burst again; a scale-back that finds it scales to `n`.
    if (ended)
      await systemJobs?.runNow(scaleBackId(ended.job), data, `the scale to ${n} (job ${data.id}) ended the burst; this runs after it`);
    await desired.clearBurst(app.name, data.env);
    io.step('scale', 'done');
    const fields = [
      { label: 'release', value: `v${target.release}` },
      { label: 'environment', value: data.env },
      ...(outcome.address ? [{ label: 'address', value: outcome.address }] : []),
      { label: 'desired', value: String(n) },
      ...(ended ? [{ label: 'burst', value: `ended (it was +${ended.add} until ${utcSecond(ended.until)})` }] : []),
    ];
    if (n === 0)
      return {
        title: `${app.name} scaled to 0: it no longer serves (${data.env})`,
        text: `${outcome.address ?? 'its address'} answers with an error until "scale ${app.name} <n>" or a deploy starts replicas again.`,
        fields,
      };
    return {
      title: `${app.name} ${burstOf ? 'burst ended, back' : 'scaled'} to ${n} (${outcome.healthy}/${outcome.instances.length} healthy)`,
      fields: [...fields, { label: 'instances', value: outcome.instances.map((i) => `${i.name} at ${i.address}`).join('\n') }],
    };
  },
};
