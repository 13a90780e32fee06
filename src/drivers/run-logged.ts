import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { DriverIO } from './driver.ts';

/** `2026-11-28T10:11:10Z`: seconds are enough for a build log. */
export const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The absolute path of a program on PATH, so logs show exactly what ran. */
export function whichProgram(name: string, path = process.env.PATH ?? ''): string {
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch { /* keep looking */ }
  }
  return name;
}

export interface LoggedRun {
  code: number | null;
  stdout: string;
}

/**
 * Runs a program with an argument array (never a shell), logging
 * `>>> <time> <argv>`, its output line by line, and `>>> <time> exit status: N`.
 * The job's AbortSignal kills it.
 */
export function runLogged(program: string, args: string[], opts: { cwd: string; io: DriverIO; env?: NodeJS.ProcessEnv; quietStdout?: boolean }): Promise<LoggedRun> {
  const { io } = opts;
  io.log(`>>> ${stamp(io.now())} ${[program, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], signal: opts.io.signal });
    let stdout = '';
    const relay = (chunk: Buffer, keep: boolean) => {
      const text = chunk.toString('utf8');
      if (keep) stdout += text;
      if (keep && opts.quietStdout) return;
      for (const line of text.split(/\r?\n|\r/)) if (line.trim()) io.log(line);
    };
    child.stdout.on('data', (c: Buffer) => relay(c, true));
    child.stderr.on('data', (c: Buffer) => relay(c, false));
    child.once('error', (err) => {
      if ((err as NodeJS.ErrnoException).code === 'ABORT_ERR') return;
      reject(err);
    });
    child.once('close', (code, signal) => {
      io.log(`>>> ${stamp(io.now())} exit status: ${code ?? signal}`);
      if (io.signal.aborted) reject(io.signal.reason ?? new Error('aborted'));
      else resolve({ code, stdout });
    });
  });
}
