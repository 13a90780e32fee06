import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface DetachedService {
  pid: number;
  /** Settles when the process exits or cannot be started: the reason, for an error message. */
  failed: Promise<Error>;
}

/**
 * Starts a long-running system service with an argument array (never a shell), in a session
 * and process group of its own, its output appended to `logFile`. A terminal's Ctrl-C or a
 * service manager's signal to voxoz's group does not reach it, and it does not die with voxoz:
 * voxoz stops it in order, or the next voxoz adopts it.
 */
export function spawnDetached(command: string, args: string[], logFile: string, installHint: string): DetachedService {
  const out = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    const failed = new Promise<Error>((resolve) => {
      child.once('error', (err) => resolve(new Error(`could not start ${command}: ${err.message} (${installHint})`)));
      child.once('exit', (code, signal) => resolve(new Error(`${command} exited with ${code ?? signal}; see ${logFile}`)));
    });
    return { pid: child.pid ?? -1, failed };
  } finally {
    closeSync(out);
  }
}
