import { UserError } from '../../core/user-error.ts';
import type { JobProcessor } from './processor.ts';
import { checkEnvironment, driverFor, findApp } from './processor.ts';

/** Lines per replica `logs` shows by default, and at most (`--tail`). @defaultValue 100, 5000 */
export const DEFAULT_LOG_TAIL = 100;
export const MAX_LOG_TAIL = 5000;

const intArg = (value: unknown, name: string, min: number, max: number): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new UserError('bad_logs_option', `--${name} must be a whole number ${min}..${max}, got ${String(value)}`);
  return value;
};

/**
 * logs <app> [--tail N] [--since 10m] [--replica i]: what the running replicas wrote, written
 * to the job's log, so it reaches chat as every job log does: masked line by line, in batches
 * in the thread (a long backlog skips to its newest lines there), and whole as the attached
 * file when the job ends. Never one message per line.
 */
export const logsProcessor: JobProcessor = {
  mutates: false,
  async run({ data, io, config, drivers }) {
    const app = findApp(config, data.app, data.env);
    checkEnvironment(app, data.env);
    const driver = driverFor(drivers, app);
    if (!driver.logs) throw new UserError('logs_unavailable', `the ${app.runtime} runtime of this voxoz cannot show logs yet`);
    const tail = intArg(data.args.tail, 'tail', 1, MAX_LOG_TAIL) ?? DEFAULT_LOG_TAIL;
    const sinceSeconds = intArg(data.args.since, 'since', 1, 30 * 86_400);
    const replica = intArg(data.args.replica, 'replica', 0, 99);
    const counts = new Map<string, number>();
    io.step('logs', 'running');
    for await (const line of driver.logs(app, data.env, { tail, sinceSeconds, replica }, io)) {
      if (io.signal.aborted) break;
      counts.set(line.instance, (counts.get(line.instance) ?? 0) + 1);
      io.log(`v${line.release}-${line.replica} ${line.stream === 'stderr' ? 'err' : 'out'} | ${line.text}`);
    }
    io.step('logs', 'done');
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const scope = [`last ${tail} per replica`, ...(sinceSeconds ? [`since ${sinceSeconds}s ago`] : [])].join(', ');
    return {
      title: `logs ${app.name} (${data.env}): ${total} line${total === 1 ? '' : 's'} from ${counts.size || 'no'} replica${counts.size === 1 ? '' : 's'}`,
      text: `${scope}; "out" is stdout, "err" is stderr. The lines are in this thread, and the whole log is attached.`,
      fields: [...counts].map(([instance, n]) => ({ label: instance, value: `${n} line${n === 1 ? '' : 's'}` })),
    };
  },
};
