import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readPidFile, processProgram } from './process-info.ts';

/** Thrown when another live voxoz already owns the services of a data dir. */
export class DataDirBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`another voxoz (pid ${pid}) owns the services in ${dir}; stop it first, or give this one its own VOXOZ_DATA_DIR`);
    this.name = 'DataDirBusyError';
  }
}

/**
 * Makes this process the one voxoz that owns the services of `dir` (its redis-server, its
 * dockerd, later its front door): `dir/voxoz.pid`, created exclusively. A file left by a voxoz
 * that died is taken over. Returns the release function.
 */
export function acquireDataDirLock(dir: string, pid = process.pid): () => void {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const file = join(root, 'voxoz.pid');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(pid)) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPidFile(file);
      if (holder !== undefined && holder !== pid && processProgram(holder) !== undefined) throw new DataDirBusyError(root, holder);
      try {
        unlinkSync(file);
      } catch {
        /* raced with another starter: try again */
      }
    }
  }
  throw new Error(`could not take ${file}; remove it if no voxoz is running`);
}
