import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Seconds since boot (/proc/uptime): one clock for this process and the probe's shell inside a namespace. */
export const uptime = (): number => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);

export interface NetnsProbeOptions {
  /** Stop after this many seconds. */
  seconds: number;
  /** Stop after this many requests. @defaultValue no bound but `seconds` */
  count?: number;
  /** Stop as soon as this file exists. */
  stopFile?: string;
  /**
   * Longest one request may take. Above Caddy's own try window (5 s, in which it retries a
   * replica that refused), so a request held by a front door that is working counts as answered
   * and a failure is a real one: an error status, a broken connection, or no answer at all.
   * @defaultValue 10
   */
  requestSeconds?: number;
}

export interface NetnsProbe {
  ok: number;
  /** Each failed request: when it was sent (uptime seconds) and what busybox wget said. */
  failures: Array<{ at: number; text: string }>;
}

/**
 * GET http://127.0.0.1:<port>/ from inside network namespace `netns` (nsenter, busybox sh and
 * wget), one request every 50 ms, each on a connection of its own, until a bound is reached.
 */
export async function probeInside(netns: string, port: number, opts: NetnsProbeOptions): Promise<NetnsProbe> {
  const { seconds, count = 1_000_000, stopFile, requestSeconds = 10 } = opts;
  const stop = stopFile ? `[ ! -e "$1" ] &&` : '';
  // The script is a constant but for numbers; the stop file arrives as $1, never as shell text.
  const script = [
    `ok=0; i=0; end=$(( $(busybox date +%s) + ${seconds} ))`,
    `while ${stop} [ $i -lt ${count} ] && [ $(busybox date +%s) -lt $end ]; do`,
    '  at=$(busybox cut -d" " -f1 /proc/uptime)',
    `  if out=$(busybox timeout ${requestSeconds} busybox wget -q -O /dev/null http://127.0.0.1:${port}/ 2>&1); then ok=$((ok+1));`,
    `  else rc=$?; [ $rc -eq 143 ] && out="no answer within ${requestSeconds} s"; echo "F $at $rc $out" | busybox tr "\\n" " "; echo; fi`,
    '  i=$((i+1)); busybox usleep 50000',
    'done; echo "OK $ok"',
  ].join('\n');
  const { stdout } = await run('nsenter', [`--net=/run/netns/${netns}`, 'busybox', 'sh', '-c', script, 'probe', stopFile ?? ''], {
    timeout: (seconds + requestSeconds + 10) * 1000,
  });
  const lines = stdout.trim().split('\n');
  const failures = lines
    .filter((l) => l.startsWith('F '))
    .map((l) => {
      const [, at, rc, ...text] = l.trim().split(' ');
      return { at: Number(at), text: `${text.join(' ') || 'no output'} (exit ${rc})` };
    });
  const ok = Number(/^OK (\d+)$/.exec(lines.at(-1) ?? '')?.[1]);
  if (!Number.isInteger(ok)) throw new Error(`the probe in ${netns} printed no count: ${stdout.slice(-500)}`);
  return { ok, failures };
}
