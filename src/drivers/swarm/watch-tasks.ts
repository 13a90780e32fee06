import type { AppSpec } from '../../config/schema.ts';
import { UserError } from '../../core/user-error.ts';
import type { DriverIO } from '../driver.ts';
import type { TaskInfo } from './swarm-services.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The watch after the Swarm health gate (`health.watchSeconds`): every task the gate found
 * running must still run, the same task, for that long before the doors are switched. A task
 * that exits, or that Swarm shuts down because its health check failed, fails the deploy with
 * the task's state, error and last log lines (`tail`). Returns at once when `watchSeconds` is 0.
 */
export async function watchTasks(
  watched: TaskInfo[],
  now: () => Promise<TaskInfo[]>,
  tail: (tasks: TaskInfo[]) => Promise<string[]>,
  app: AppSpec,
  release: number,
  io: DriverIO,
  pollMs: number,
): Promise<void> {
  const { watchSeconds } = app.health;
  if (watchSeconds === 0 || watched.length === 0) return;
  const started = Date.now();
  io.log(`v${release} passed; watching its ${watched.length} task(s) for ${watchSeconds}s: each must keep running before the switch`);
  for (;;) {
    if (io.signal.aborted) throw new Error('cancelled');
    const tasks = await now();
    for (const w of watched) {
      const t = tasks.find((x) => x.ID === w.ID);
      const state = t?.Status?.State ?? 'gone';
      if (state === 'running' && t?.DesiredState === 'running') continue;
      const code = t?.Status?.ContainerStatus?.ExitCode;
      const why = [t?.Status?.Err, code ? `exit code ${code}` : ''].filter(Boolean).join(', ');
      const lines = await tail([t ?? w]);
      throw new UserError(
        'instance_exited',
        `v${release}'s task in slot ${w.Slot} stopped (${state}${why ? `: ${why}` : ''}) after passing its health check, ${((Date.now() - started) / 1000).toFixed(1)}s into its ${watchSeconds}s watch (health.watchSeconds); the old release keeps serving. Last log lines:\n${lines.join('\n')}`,
      );
    }
    if (Date.now() - started >= watchSeconds * 1000) break;
    await sleep(pollMs);
  }
  io.log(`v${release} kept running for ${watchSeconds}s`);
}
