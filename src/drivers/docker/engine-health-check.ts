import type { AppSpec } from '../../config/schema.ts';

/** How often the engine checks a replica, during the gate and after it (API 1.41 has no separate start interval). @defaultValue 1 s */
export const ENGINE_CHECK_INTERVAL_MS = 1000;
/** Longest one check may take before the engine counts it as failed. @defaultValue 1 s */
export const ENGINE_CHECK_TIMEOUT_MS = 1000;

/**
 * One check, run by the engine inside the replica (its own 127.0.0.1): busybox's `wget -S`
 * prints the status line, `sed` picks the first status (a redirect is not followed into
 * success), and `case` matches it against the wanted pattern. The script is a constant; the URL
 * and the pattern arrive as its arguments ($1, $2), never as shell text. What it prints on
 * failure ("answered 404", or wget's own words such as "Connection refused") is what the engine
 * keeps in State.Health.Log, and what the gate reports.
 */
const CHECK_SCRIPT = [
  's=$(wget -S -q -O /dev/null "$1" 2>&1)',
  'c=$(echo "$s" | sed -n "/HTTP\\//{s/^ *HTTP\\/[0-9.]* \\([0-9][0-9][0-9]\\).*/\\1/p;q}")',
  'case "$c" in $2) exit 0;; esac',
  'if [ -n "$c" ]; then echo "answered $c"; else echo "$s"; fi',
  'exit 1',
].join('; ');

const ns = (ms: number) => ms * 1_000_000;

/**
 * The Docker health check (Engine API 1.41 `HealthConfig`) a replica on a remote engine gets
 * from the app's `health`: GET http://127.0.0.1:<port><path> must answer `status` (any 2xx
 * without one); failures during `graceSeconds` (StartPeriod) do not count, `retries` in a row
 * after it make the replica unhealthy. The image needs `sh`, `sed` and a `wget` that knows `-S`
 * (busybox's or GNU's). `timeoutSeconds` bounds the gate itself, not a check.
 */
export function engineHealthCheck(health: AppSpec['health'], port: number) {
  return {
    Test: ['CMD', 'sh', '-c', CHECK_SCRIPT, 'voxoz-health', `http://127.0.0.1:${port}${health.path}`, statusPattern(health.status)],
    Interval: ns(ENGINE_CHECK_INTERVAL_MS),
    Timeout: ns(ENGINE_CHECK_TIMEOUT_MS),
    Retries: health.retries,
    StartPeriod: ns(health.graceSeconds * 1000),
  };
}

/** The `case` pattern for the expected status: `2??` for any 2xx, else the number itself. */
export const statusPattern = (status: number | undefined) => (status === undefined ? '2??' : String(status));
