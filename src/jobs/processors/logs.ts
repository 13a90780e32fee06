import { UserError } from '../../core/user-error.ts';
import type { JobProcessor, JobResult, ProcessorContext } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';

/** Lines per replica `logs` shows by default, and at most (`--tail`). @defaultValue 100, 5000 */
export const DEFAULT_LOG_TAIL = 100;
export const MAX_LOG_TAIL = 5000;
/** The longest `logs --follow` (it holds one of its worker's slots meanwhile). @defaultValue 10 minutes */
export const MAX_FOLLOW_SECONDS = 600;

const intArg = (value: unknown, name: string, min: number, max: number): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new UserError('bad_logs_option', `--${name} must be a whole number ${min}..${max}, got ${String(value)}`);
  return value;
};

/** The follows running in this process, by job id: what each is and who asked. */
const following = new Map<string, string>();

/**
 * A follow holds its worker's slot to its end, so a process runs at most `concurrency - 1` of
 * them (1 with a single slot): the rest are kept for deploys and every other job.
 */
function checkFollowRoom(concurrency: number): void {
  const room = Math.max(1, concurrency - 1);
  if (following.size < room) return;
  throw new UserError(
    'follow_busy',
    `this worker already follows ${following.size} log${following.size === 1 ? '' : 's'} (${[...following.values()].join('; ')}), ` +
      `as many as it runs at once: its other slot${concurrency - room === 1 ? ' is' : 's are'} kept for deploys and other jobs. ` +
      'Cancel a follow or wait for it to end (at most 10m); logs without --follow runs now',
  );
}

const seconds = (n: number) => (n >= 60 && n % 60 === 0 ? `${n / 60} min` : `${n} s`);

/**
 * logs <app> [--tail N] [--since 10m] [--replica i] [--follow 5m]: what the running replicas
 * wrote, written to the job's log, so it reaches chat as every job log does: masked line by
 * line, in batches in the thread (a long backlog skips to its newest lines there), and whole as
 * the attached file when the job ends. Never one message per line. With `--follow`, the new
 * lines keep coming until the time is up, every followed replica stopped, someone cancels
 * (which ends it as done, not failed: it changed nothing), or the worker stops.
 */
export const logsProcessor: JobProcessor = {
  mutates: false,
  async run(ctx) {
    if (ctx.data.args.follow === undefined) return readLogs(ctx);
    checkFollowRoom(ctx.config.worker.concurrency);
    following.set(ctx.data.id, `job ${ctx.data.id}: ${ctx.data.command} by ${ctx.data.requestedBy.name}`);
    try {
      return await readLogs(ctx);
    } finally {
      following.delete(ctx.data.id);
    }
  },
};

async function readLogs({ data, io, config, drivers, stopping }: ProcessorContext): Promise<JobResult> {
  const app = findApp(config, data.app, data.env);
  checkEnvironment(app, data.env);
  const driver = driverFor(drivers, app);
  if (!driver.logs) throw new UserError('logs_unavailable', `the ${app.runtime} runtime of this voxoz cannot show logs yet`);
  const tail = intArg(data.args.tail, 'tail', 1, MAX_LOG_TAIL) ?? DEFAULT_LOG_TAIL;
  const sinceSeconds = intArg(data.args.since, 'since', 1, 30 * 86_400);
  const replica = intArg(data.args.replica, 'replica', 0, 99);
  const followSeconds = intArg(data.args.follow, 'follow', 1, MAX_FOLLOW_SECONDS);
  const stop = followSeconds && stopping ? AbortSignal.any([io.signal, stopping]) : io.signal;
  const counts = new Map<string, number>();
  let ended = 0;
  const began = io.now().getTime();
  io.step('logs', 'running');
  if (followSeconds) io.log(`following for ${seconds(followSeconds)}: the last lines, then the new ones as they come; Cancel ends it`);
  const asked = { tail, sinceSeconds, replica, ...(followSeconds ? { followSeconds, stop } : {}) };
  for await (const line of driver.logs(app, data.env, asked, io)) {
    if (stop.aborted && !followSeconds) break;
    const who = `v${line.release}-${line.replica}`;
    if (line.stream === 'ended') {
      ended += 1;
      io.log(`${who} ended | ${line.text}`);
      continue;
    }
    if (line.stream === 'started' || line.stream === 'restarted') {
      io.log(`${who} ${line.stream} | ${line.text}`);
      continue;
    }
    counts.set(line.instance, (counts.get(line.instance) ?? 0) + 1);
    io.log(`${who} ${line.stream === 'stderr' ? 'err' : 'out'} | ${line.text}`);
  }
  io.step('logs', 'done');
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const took = Math.round((io.now().getTime() - began) / 1000);
  const why = io.signal.aborted
    ? `until ${typeof io.signal.reason === 'string' ? io.signal.reason : 'someone'} cancelled it`
    : stopping?.aborted
      ? 'until its worker stopped'
      : ended > 0 && took < (followSeconds ?? 0)
        ? 'until every replica it followed had stopped'
        : 'as asked';
  const scope = [
    `last ${tail} per replica`,
    ...(sinceSeconds ? [`since ${sinceSeconds}s ago`] : []),
    ...(followSeconds ? [`then followed for ${seconds(took)} ${why}`] : []),
  ].join(', ');
  return {
    title: `logs ${app.name} (${data.env}): ${total} line${total === 1 ? '' : 's'} from ${counts.size || 'no'} replica${counts.size === 1 ? '' : 's'}`,
    text: `${scope}; "out" is stdout, "err" is stderr. The lines are in this thread, and the whole log is attached.`,
    fields: [...counts].map(([instance, n]) => ({ label: instance, value: `${n} line${n === 1 ? '' : 's'}` })),
  };
}
