import { environmentPort } from '../../config/app-environment.ts';
import type { AppSpec } from '../../config/schema.ts';
import { LING_DEFAULTS } from '../../config/xen-schema.ts';
import type { Driver, Instance, ScaleTarget } from '../../drivers/driver.ts';
import { keptArtifacts } from '../../store/kept-artifacts.ts';
import type { Release } from '../../store/release-store.ts';
import type { JobResult } from './processor.ts';

// What `deploy`, `scale` and `burst` with --dry-run would do, read from the ledger, the desired
// count and the engine. Nothing is reserved, built, started, switched, retired, stored or queued.
// (`rollback --dry-run` is rollback-plan.ts.)

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
const replicas = (n: number) => `${n} replica${n === 1 ? '' : 's'}`;
const isLing = (app: AppSpec) => app.runtime === 'ling';
/** `2 replicas`, or `2 domains` of a LING app. */
export const instances = (app: AppSpec, n: number) => (isLing(app) ? `${n} domain${n === 1 ? '' : 's'}` : replicas(n));
const indexOf = (i: Instance) => Number(/-(\d+)$/.exec(i.name)?.[1] ?? 0);
const names = (list: ReadonlyArray<Instance>) => (list.length > 0 ? list.map((i) => i.name).join('\n') : 'nothing');
/**
 * How new instances are gated: the health check (a LING domain: its ready line), then the watch
 * when `health.watchSeconds` is set.
 */
export const gated = (app: AppSpec, watched = true) => {
  const watch = watched && app.health.watchSeconds > 0 ? `, then watched ${app.health.watchSeconds}s before the switch` : '';
  if (!isLing(app)) return `health-gated${watch}`;
  const { readyLine, readyTimeoutSeconds } = app.ling ?? LING_DEFAULTS;
  return `each must print "${readyLine}" within ${readyTimeoutSeconds}s${watch}`;
};
const frontDoor = (app: AppSpec, env: string) => `127.0.0.1:${environmentPort(app, env)}`;
/** What is switched to `what`: the front door, or nothing for a LING app (its domains serve on their own). */
export const switchTo = (app: AppSpec, env: string, what: string) =>
  isLing(app)
    ? `no front door (LING domains serve on their own): ${what} become the serving set`
    : `the front door ${frontDoor(app, env)} to ${what} in one step`;

/** deploy --dry-run: the source it would build, the release it would be, what it would start, switch, retire and delete. */
export async function deployPlan(
  driver: Driver,
  app: AppSpec,
  env: string,
  ref: string | undefined,
  all: ReadonlyArray<Release>,
  pruned: ReadonlySet<string>,
  /** Artifacts the app's other environments keep (keptElsewhere): retention would not delete them. */
  elsewhere: ReadonlySet<string>,
  /** The highest release number reserved (ReleaseStore.reserved): a running deploy's is not in the ledger yet. */
  reserved = 0,
): Promise<JobResult> {
  const running = await driver.status(app, env);
  const next = Math.max(reserved, ...all.map((r) => r.number)) + 1;
  const source = 'path' in app.source ? `the folder ${app.source.path}` : `${app.source.git} at ${ref ?? app.source.ref}`;
  // The new image counts as live when retention is worked out, as it would after the deploy.
  const after = [...all, { app: app.name, env, number: next, artifact: '(new)', outcome: 'live' as const } as Release];
  const keep = keptArtifacts(after, app.keepImages);
  const deleted = [...new Set(all.map((r) => r.artifact).filter((a) => a && !keep.has(a) && !pruned.has(a) && !elsewhere.has(a)))];
  return {
    title: `dry run: ${app.name} (${env}) would build and deploy v${next}; nothing was changed`,
    fields: [
      { label: 'build', value: `a new image from ${source} (${isLing(app) ? 'its Erlang app, by xen.builder' : app.dockerfile})` },
      { label: 'start', value: `${instances(app, app.replicas)} of v${next} beside the running ones, ${gated(app)}` },
      { label: 'switch', value: switchTo(app, env, 'them') },
      { label: 'retire', value: running.length > 0 ? names(running) : 'nothing runs now' },
      { label: 'delete images', value: deleted.length > 0 ? deleted.map(short).join(', ') : 'none' },
    ],
  };
}

/** What setting the live release to `n` replicas starts and retires: the lowest indexes stay, as scale keeps them. */
async function replicaChange(driver: Driver, target: ScaleTarget, n: number) {
  const running = (await driver.status(target.app, target.env))
    .filter((i) => i.release === target.release && i.state === 'running')
    .sort((a, b) => indexOf(a) - indexOf(b));
  return { running, start: Math.max(0, n - running.length), retire: running.slice(n) };
}

/** scale --dry-run. */
export async function scalePlan(driver: Driver, target: ScaleTarget, n: number, desiredNow: number): Promise<JobResult> {
  const { app, env, release } = target;
  const { running, start, retire } = await replicaChange(driver, target, n);
  const door = frontDoor(app, env);
  return {
    title: `dry run: ${app.name} (${env}) would scale v${release} from ${running.length} to ${n}; nothing was changed`,
    fields: [
      { label: 'start', value: start > 0 ? `${instances(app, start)} of v${release}, ${gated(app, false)}` : 'nothing' },
      {
        label: 'switch',
        value: isLing(app)
          ? switchTo(app, env, `v${release}'s ${instances(app, n)}`)
          : n === 0
            ? `the front door ${door} to no replica (it answers 503)`
            : n === running.length
              ? `nothing: the front door ${door} keeps the ${replicas(n)} it serves`
              : `the front door ${door} to ${replicas(n)} in one step`,
      },
      { label: 'retire', value: names(retire) },
      { label: 'desired', value: `${desiredNow} now; ${n} after` },
    ],
  };
}

/** burst --dry-run; `until` as chat shows it (utcSecond). */
export async function burstPlan(driver: Driver, target: ScaleTarget, base: number, add: number, until: string): Promise<JobResult> {
  const { app, env, release } = target;
  const { running, start } = await replicaChange(driver, target, base + add);
  return {
    title: `dry run: ${app.name} (${env}) would burst v${release} from ${running.length} to ${base + add} until ${until}; nothing was changed`,
    fields: [
      { label: 'start', value: start > 0 ? `${instances(app, start)} of v${release} now, ${gated(app, false)}` : 'nothing' },
      { label: 'switch', value: switchTo(app, env, instances(app, base + add)) },
      { label: 'retire', value: `at ${until}, back to the desired ${instances(app, base)} (a delayed job posted in this thread)` },
    ],
  };
}
