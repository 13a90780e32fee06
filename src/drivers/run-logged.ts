import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { redactUrls } from '../observability/display-url.ts';
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
    } catch {
      /* keep looking */
    }
  }
  return name;
}

export interface LoggedRun {
  code: number | null;
  /** Standard output, up to MAX_KEPT_STDOUT characters (enough for `rev-parse` and the like). */
  stdout: string;
}

/** Longest unfinished line held back waiting for its end; past it the text so far is logged as a line. @defaultValue 1 MiB */
export const MAX_PENDING_LINE = 1024 * 1024;
/** Most standard output kept for the caller. @defaultValue 1 MiB */
const MAX_KEPT_STDOUT = 1024 * 1024;

/**
 * Splits a byte stream into lines for `emit`. A line that arrives in several chunks is logged
 * once, whole, so the masker sees every secret in one piece; a multi-byte character split
 * between chunks is kept intact. `end()` logs what is left.
 */
export function lineSplitter(emit: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  const out = (line: string) => {
    if (line.trim()) emit(line);
  };
  return {
    push(chunk) {
      const lines = (pending + decoder.decode(chunk, { stream: true })).split(/\r?\n|\r(?!$)/);
      pending = lines.pop() ?? '';
      for (const line of lines) out(line);
      if (pending.length > MAX_PENDING_LINE) {
        out(pending);
        pending = '';
      }
    },
    end() {
      out(pending + decoder.decode());
      pending = '';
    },
  };
}

/** How long a cancelled program's process group gets after SIGTERM before SIGKILL. @defaultValue 2000 ms */
const KILL_GRACE_MS = 2000;

/**
 * Runs a program with an argument array (never a shell), logging
 * `>>> <time> <argv>` (URLs without their userinfo), its output line by line, and
 * `>>> <time> exit status: N`. The job's AbortSignal (a cancel or a time limit) ends it: the
 * program runs in a process group of its own and the whole group is killed, since helpers it
 * starts (git's `git-remote-http`) would otherwise keep running and hold its output open.
 */
export function runLogged(
  program: string,
  args: string[],
  opts: { cwd: string; io: DriverIO; env?: NodeJS.ProcessEnv; quietStdout?: boolean },
): Promise<LoggedRun> {
  const { io } = opts;
  io.log(`>>> ${stamp(io.now())} ${[program, ...args].map(redactUrls).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let hardKill: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    const onAbort = () => {
      killGroup('SIGTERM');
      hardKill = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    io.signal.addEventListener('abort', onAbort, { once: true });
    if (io.signal.aborted) onAbort();
    let stdout = '';
    const log = (line: string) => io.log(line);
    const outLines = lineSplitter(opts.quietStdout ? () => undefined : log);
    const errLines = lineSplitter(log);
    child.stdout.on('data', (c: Buffer) => {
      if (stdout.length < MAX_KEPT_STDOUT) stdout += c.toString('utf8');
      outLines.push(c);
    });
    child.stderr.on('data', (c: Buffer) => errLines.push(c));
    child.once('error', (err) => {
      io.signal.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('close', (code, signal) => {
      io.signal.removeEventListener('abort', onAbort);
      clearTimeout(hardKill);
      outLines.end();
      errLines.end();
      io.log(`>>> ${stamp(io.now())} exit status: ${code ?? signal}`);
      if (io.signal.aborted) reject(io.signal.reason ?? new Error('aborted'));
      else resolve({ code, stdout });
    });
  });
}
