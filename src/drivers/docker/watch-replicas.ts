import type Docker from 'dockerode';
import type { AppSpec } from '../../config/schema.ts';
import { UserError } from '../../core/user-error.ts';
import type { DriverIO } from '../driver.ts';
import { probeStatus } from '../probe-http.ts';
import { tailContainerLogs } from './container-logs.ts';
import type { EngineLocation } from './engine-location.ts';
import type { NewReplica } from './new-replica.ts';
import { healthExpectation, PROBE_TIMEOUT_MS } from './wait-healthy.ts';

/** How often the watched replicas are looked at. @defaultValue 250 ms */
const LOOK_INTERVAL_MS = 250;

/**
 * The watch after the health gate (`health.watchSeconds`, like Swarm's `update_config.monitor`):
 * replicas that all passed must keep running, never restarted, and keep answering, for that
 * long before anything is switched to them. Fails with a UserError, after writing the replica's
 * last log lines into the job log, when one exits or is restarted, or gives `health.retries`
 * wrong answers in a row (a refused connection counts now: it was listening). On a remote engine
 * the engine's own check decides: `unhealthy` fails. Cancelling (`io.signal`) stops it at the
 * next look. Returns at once when `watchSeconds` is 0.
 */
export async function watchReplicas(
  docker: Docker,
  app: AppSpec,
  release: number,
  replicas: NewReplica[],
  io: DriverIO,
  engine: EngineLocation = { remote: false },
): Promise<void> {
  const { path, retries, status, watchSeconds } = app.health;
  if (watchSeconds === 0 || replicas.length === 0) return;
  const started = io.now().getTime();
  const end = started + watchSeconds * 1000;
  const { expected, good } = healthExpectation(status);
  const where = (r: NewReplica) => `127.0.0.1:${r.port}${path}${engine.remote ? ' (inside the engine)' : ''}`;
  const after = () => `${((io.now().getTime() - started) / 1000).toFixed(1)}s into its ${watchSeconds}s watch (health.watchSeconds)`;
  const fail = async (r: NewReplica, code: string, what: string) => {
    for (const line of await tailContainerLogs(docker, r.id).catch(() => [])) io.log(`  | ${line}`);
    return new UserError(code, `v${release} ${what}, ${after()}, on ${where(r)}`);
  };
  io.log(
    `v${release} passed; watching its ${replicas.length} replica(s) for ${watchSeconds}s: each must keep running and answering before the switch`,
  );
  const wrong = new Map(replicas.map((r) => [r.id, 0]));
  for (;;) {
    if (io.signal.aborted) throw io.signal.reason;
    for (const r of replicas) {
      const { State, RestartCount } = await docker.getContainer(r.id).inspect();
      if (!State.Running || State.Restarting || RestartCount > 0) {
        const how = State.ExitCode ? ` with code ${State.ExitCode}` : '';
        const restarts = RestartCount > 0 ? ` (restarted ${RestartCount} time${RestartCount === 1 ? '' : 's'})` : '';
        throw await fail(r, 'instance_exited', `exited${how}${restarts} after passing its health check`);
      }
      if (engine.remote) {
        if (State.Health?.Status === 'unhealthy')
          throw await fail(
            r,
            'health_check_failed',
            `failed the engine's health check (expected ${expected}) ${State.Health.FailingStreak} time(s) in a row after passing it`,
          );
        continue;
      }
      const answer = await probeStatus('127.0.0.1', r.port, path, PROBE_TIMEOUT_MS);
      if (typeof answer === 'number' && good(answer)) {
        wrong.set(r.id, 0);
        continue;
      }
      const n = (wrong.get(r.id) ?? 0) + 1;
      wrong.set(r.id, n);
      const last =
        typeof answer === 'number'
          ? `answered ${answer}`
          : answer === 'refused'
            ? 'refused connections'
            : `gave no answer within ${PROBE_TIMEOUT_MS / 1000}s`;
      if (n >= retries)
        throw await fail(r, 'health_check_failed', `${last} (expected ${expected}) ${n} time(s) in a row after passing its health check`);
    }
    if (io.now().getTime() >= end) break;
    await new Promise((res) => setTimeout(res, LOOK_INTERVAL_MS));
  }
  io.log(`v${release} kept running and answering for ${watchSeconds}s`);
}
