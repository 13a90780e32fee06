import { readFileSync } from 'node:fs';

/** The pid written in `file`, or undefined when the file is missing or holds no pid. */
export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The program a live process runs (its command name, as in /proc/PID/stat), or undefined when there is no such process or it is a zombie. */
export function processProgram(pid: number): string | undefined {
  try {
    // "123 (redis-server) S ...": the name in parentheses, then the state; a zombie (Z) or dead (X) process is gone.
    // (Not argv[0]: redis-server rewrites its argv into a title with spaces and slashes.)
    const match = /^\d+ \((.*)\) (\S)/s.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return match && match[2] !== 'Z' && match[2] !== 'X' ? match[1] : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and runs `program` (a pid file can outlive its process, and pids are reused). */
export function isRunning(pid: number | undefined, program: string): pid is number {
  return pid !== undefined && processProgram(pid) === program;
}

/** Signals `pid` if it still runs `program`; a process that is already gone is not an error. */
export function signalProcess(pid: number, program: string, signal: NodeJS.Signals): void {
  if (!isRunning(pid, program)) return;
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Waits until `pid` no longer runs `program`; true if it went within `timeoutMs`. */
export async function waitForExit(pid: number, program: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid, program)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, program: string, graceMs: number): Promise<void> {
  signalProcess(pid, program, 'SIGTERM');
  if (await waitForExit(pid, program, graceMs)) return;
  signalProcess(pid, program, 'SIGKILL');
  await waitForExit(pid, program, 5000);
}
