import type Docker from 'dockerode';
import type { AppSpec } from '../../config/schema.ts';
import { UserError } from '../../core/user-error.ts';
import type { DriverIO } from '../driver.ts';
import { tailContainerLogs } from './container-logs.ts';
import { statusPattern } from './engine-health-check.ts';
import type { NewReplica } from './new-replica.ts';

/** How often the gate reads the replicas' health from the engine. @defaultValue 250 ms */
const READ_INTERVAL_MS = 250;

/**
 * The health gate for a remote engine, whose replicas' 127.0.0.1 the worker cannot reach: the
 * engine runs the check (the `Healthcheck` from `engineHealthCheck`) and the gate reads
 * `State.Health.Status` through the API until every replica is `healthy`. Fails with a
 * UserError, after writing the failing replica's last log lines into the job log, when a
 * replica exits or restarts, when the engine marks it `unhealthy` (`retries` failed checks in
 * a row after `graceSeconds`; the message quotes the last check's output), or when
 * `timeoutSeconds` pass. Cancelling (`io.signal`) stops the wait at the next read.
 */
export async function waitEngineHealthy(
  docker: Docker,
  app: AppSpec,
  release: number,
  replicas: NewReplica[],
  io: DriverIO,
): Promise<void> {
  const { path, timeoutSeconds, retries, graceSeconds, status } = app.health;
  const deadline = io.now().getTime() + timeoutSeconds * 1000;
  const expected = status === undefined ? '2xx' : String(status);
  const where = (r: NewReplica) => `127.0.0.1:${r.port}${path} (inside the engine)`;
  const showLogs = async (r: NewReplica) => {
    for (const line of await tailContainerLogs(docker, r.id).catch(() => [])) io.log(`  | ${line}`);
  };
  const pending = new Map(replicas.map((r) => [r.id, r]));
  io.log(
    `waiting up to ${timeoutSeconds}s for the engine to find ${pending.size} replica(s) healthy (GET ${path} answers ${expected}, pattern ${statusPattern(status)})`,
  );
  const lastOutput = new Map<string, string>();
  while (pending.size > 0) {
    if (io.signal.aborted) throw io.signal.reason;
    for (const [id, r] of [...pending]) {
      const { State, RestartCount } = await docker.getContainer(id).inspect();
      const health = State.Health;
      const last = health?.Log?.at(-1)?.Output?.trim();
      if (last) lastOutput.set(id, last);
      if (!State.Running || State.Restarting || RestartCount > 0) {
        await showLogs(r);
        const how = State.ExitCode ? ` with code ${State.ExitCode}` : '';
        const restarts = RestartCount > 0 ? ` (restarted ${RestartCount} time${RestartCount === 1 ? '' : 's'})` : '';
        throw new UserError('instance_exited', `v${release} exited${how}${restarts} before answering its health check on ${where(r)}`);
      }
      if (!health) throw new Error(`the engine reports no health for ${id.slice(0, 12)}: it was created without a health check`);
      if (health.Status === 'healthy') {
        io.log(`${where(r)} is healthy (the engine's check passed)`);
        pending.delete(id);
      } else if (health.Status === 'unhealthy') {
        await showLogs(r);
        throw new UserError(
          'health_check_failed',
          `v${release} failed the engine's health check on ${where(r)} (expected ${expected}) ${health.FailingStreak} time(s) in a row after its ${graceSeconds}s grace (retries ${retries}); last check: ${last || 'no output'}`,
        );
      }
    }
    if (pending.size === 0) break;
    if (io.now().getTime() > deadline) {
      for (const r of pending.values()) await showLogs(r);
      const list = [...pending.values()].map((r) => `${where(r)}${lastOutput.has(r.id) ? ` (last check: ${lastOutput.get(r.id)})` : ''}`);
      throw new UserError('health_check_failed', `v${release} was not found healthy on ${list.join(', ')} within ${timeoutSeconds}s`);
    }
    await new Promise((r) => setTimeout(r, READ_INTERVAL_MS));
  }
}
