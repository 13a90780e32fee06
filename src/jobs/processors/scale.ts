import { environmentPort } from '../../config/schema.ts';
import { UserError } from '../../core/user-error.ts';
import type { JobProcessor } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';

/** Bounds of a desired replica count (the command spec checks them too; a queued job is checked again). */
const MIN_REPLICAS = 0;
const MAX_REPLICAS = 100;

/**
 * scale <app> <n>: the live release (the newest release that went live) runs `n` replicas
 * behind the front door, and `n` is stored as the desired count that later deploys start.
 * Refused with nothing changed when the app has no live release or its driver cannot scale.
 */
export const scaleProcessor: JobProcessor = {
  mutates: true,
  async run({ data, io, config, drivers, releases, desired }) {
    const app = findApp(config, data.app);
    checkEnvironment(app, data.env);
    const n = data.args.replicas;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_REPLICAS || n > MAX_REPLICAS)
      throw new UserError('replicas_out_of_range', `replicas must be a whole number ${MIN_REPLICAS}..${MAX_REPLICAS}, got ${String(n)}`);
    const driver = driverFor(drivers, app);
    if (!driver.scale || !desired)
      throw new UserError(
        'scale_unavailable',
        `the ${app.runtime} runtime of this voxoz cannot scale ${app.name} yet; nothing was changed`,
      );
    const live = (await releases.list(app.name, data.env)).filter((r) => r.outcome === 'live' && r.artifact).at(-1);
    if (!live)
      throw new UserError(
        'no_live_release',
        `${app.name} (${data.env}) has no live release to scale; deploy it first with "deploy ${app.name}${data.env === 'production' ? '' : ` --env ${data.env}`}"`,
      );
    const target = {
      app,
      env: data.env,
      release: live.number,
      port: environmentPort(app, data.env),
      artifact: { id: live.artifact, name: live.image ?? live.artifact, ...(live.commit ? { commit: live.commit } : {}) },
    };
    io.step('scale', 'running');
    const outcome = await driver.scale(target, n, io);
    await desired.set(app.name, data.env, n);
    io.step('scale', 'done');
    const fields = [
      { label: 'release', value: `v${live.number}` },
      { label: 'environment', value: data.env },
      ...(outcome.address ? [{ label: 'address', value: outcome.address }] : []),
      { label: 'desired', value: String(n) },
    ];
    if (n === 0)
      return {
        title: `${app.name} scaled to 0: it no longer serves (${data.env})`,
        text: `${outcome.address ?? 'its address'} answers with an error until "scale ${app.name} <n>" or a deploy starts replicas again.`,
        fields,
      };
    return {
      title: `${app.name} scaled to ${n} (${outcome.healthy}/${outcome.instances.length} healthy)`,
      fields: [...fields, { label: 'instances', value: outcome.instances.map((i) => `${i.name} at ${i.address}`).join('\n') }],
    };
  },
};
