import { closeSync, openSync } from 'node:fs';

/**
 * Whether this process has a controlling terminal now: /dev/tty opens only while it has one.
 * When the terminal closes (its window, an ssh session, the pty's master), the kernel hangs it
 * up, sends SIGHUP and takes it away from the session, so /dev/tty no longer opens.
 */
export function hasControllingTerminal(open: (path: string) => number = (p) => openSync(p, 'r')): boolean {
  try {
    closeSync(open('/dev/tty'));
    return true;
  } catch {
    return false;
  }
}

/**
 * What a SIGHUP means: the terminal voxoz was started on hung up (stop, as SIGTERM would), or a
 * request to re-read voxoz.yml (`kill -HUP`, systemd's ExecReload; voxoz has no terminal there).
 */
export function sighupMeaning(startedOnTerminal: boolean, hasTerminalNow: boolean): 'hangup' | 'reload' {
  return startedOnTerminal && !hasTerminalNow ? 'hangup' : 'reload';
}

/**
 * Once the terminal is gone, writes to it fail (EIO, or EPIPE for a closed pipe). Logging must
 * not turn that into a crash that leaves the services voxoz started running: such errors on
 * stdout and stderr are dropped from then on.
 */
export function ignoreClosedOutput(streams: NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams)
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EIO' && err.code !== 'EPIPE') throw err;
    });
}
