import type Docker from 'dockerode';
import type { AppSpec } from '../../config/schema.ts';
import { UserError } from '../../core/user-error.ts';
import type { DriverIO } from '../driver.ts';
import { probeStatus } from '../probe-http.ts';
import { tailContainerLogs } from './container-logs.ts';
import type { EngineLocation } from './engine-location.ts';
import type { NewReplica } from './new-replica.ts';
import { waitEngineHealthy } from './wait-engine-healthy.ts';

/** How often new replicas are probed while the deploy waits for them. @defaultValue 250 ms */
const PROBE_INTERVAL_MS = 250;
/** Longest one probe waits for an answer. @defaultValue 1 s */
export const PROBE_TIMEOUT_MS = 1000;

/** What `health.status` asks of an answer: its text ("2xx" or the status) and the test. */
export const healthExpectation = (status: number | undefined) => ({
  expected: status === undefined ? '2xx' : String(status),
  good: (answer: number) => (status === undefined ? answer >= 200 && answer < 300 : answer === status),
});

/**
 * The health gate: resolves once every new replica answered `health.path` with the expected
 * status (`health.status`, else any 2xx). Fails with a UserError, after writing the failing
 * replica's last log lines into the job log, when a replica exits or restarts, when it gives
 * `health.retries` wrong answers in a row after its `graceSeconds`, or when `timeoutSeconds`
 * pass. A refused connection means "not listening yet" and only the timeout ends it.
 * Cancelling (`io.signal`) stops the wait at the next probe.
 *
 * That probe is the worker's own, on 127.0.0.1, so it holds for a local engine only; for a
 * remote one (`engine.remote`) the engine's own health check decides (`waitEngineHealthy`).
 */
export async function waitHealthy(
  docker: Docker,
  app: AppSpec,
  release: number,
  replicas: NewReplica[],
  io: DriverIO,
  engine: EngineLocation = { remote: false },
): Promise<void> {
  if (engine.remote) return waitEngineHealthy(docker, app, release, replicas, io);
  const { path, timeoutSeconds, retries, graceSeconds, status } = app.health;
  const started = io.now().getTime();
  const deadline = started + timeoutSeconds * 1000;
  const { expected, good } = healthExpectation(status);
  const where = (r: NewReplica) => `127.0.0.1:${r.port}${path}`;
  const showLogs = async (r: NewReplica) => {
    for (const line of await tailContainerLogs(docker, r.id).catch(() => [])) io.log(`  | ${line}`);
  };
  const pending = new Map(replicas.map((r) => [r.id, { replica: r, wrong: 0, last: '' }]));
  io.log(`waiting up to ${timeoutSeconds}s for ${pending.size} replica(s) to answer GET ${path} with ${expected}`);
  while (pending.size > 0) {
    if (io.signal.aborted) throw io.signal.reason;
    for (const [id, state] of [...pending]) {
      const r = state.replica;
      const answer = await probeStatus('127.0.0.1', r.port, path, PROBE_TIMEOUT_MS);
      if (typeof answer === 'number' && good(answer)) {
        io.log(`${where(r)} is healthy (${answer})`);
        pending.delete(id);
        continue;
      }
      const inspect = await docker.getContainer(id).inspect();
      // With a restart policy a crashing replica shows as restarting, or running again with a restart count.
      if (!inspect.State.Running || inspect.State.Restarting || inspect.RestartCount > 0) {
        await showLogs(r);
        const how = inspect.State.ExitCode ? ` with code ${inspect.State.ExitCode}` : '';
        const restarts =
          inspect.RestartCount > 0 ? ` (restarted ${inspect.RestartCount} time${inspect.RestartCount === 1 ? '' : 's'})` : '';
        throw new UserError('instance_exited', `v${release} exited${how}${restarts} before answering its health check on ${where(r)}`);
      }
      if (answer === 'refused') {
        state.last = '';
        continue;
      }
      state.last = typeof answer === 'number' ? `answered ${answer}` : `gave no answer within ${PROBE_TIMEOUT_MS / 1000}s`;
      if (io.now().getTime() < started + graceSeconds * 1000) continue;
      state.wrong += 1;
      if (state.wrong >= retries) {
        await showLogs(r);
        throw new UserError(
          'health_check_failed',
          `v${release} ${state.last} on ${where(r)} (expected ${expected}), ${state.wrong} time(s) in a row after its ${graceSeconds}s grace`,
        );
      }
    }
    if (pending.size === 0) break;
    if (io.now().getTime() > deadline) {
      for (const { replica } of pending.values()) await showLogs(replica);
      // What each one did last: a wrong status, no answer in time, or nothing listening yet.
      const list = [...pending.values()].map((s) => `${where(s.replica)} (${s.last || 'not listening'})`).join(', ');
      throw new UserError('health_check_failed', `v${release} did not answer ${expected} on ${list} within ${timeoutSeconds}s`);
    }
    await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
  }
}
