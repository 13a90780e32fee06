import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = resolve(ROOT, 'bin/voxoz.js');

export interface SpawnedVoxoz {
  child: ChildProcess;
  /** Everything it has written to stderr so far (JSON log lines). */
  stderr(): string;
  /** Sends SIGTERM (or `signal`; to the whole process group when it was started detached) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
}

/**
 * Starts `node bin/voxoz.js <verb>` as a user would, and resolves once `ready` appears in its
 * output (stdout or stderr). Rejects with its output if it exits first or takes over a minute.
 */
export function spawnVoxoz(
  verb: 'start' | 'worker',
  env: NodeJS.ProcessEnv,
  ready: string,
  opts: { detached?: boolean } = {},
): Promise<SpawnedVoxoz> {
  // detached: its own process group, as a terminal's job or a service manager's unit has, so a
  // test can signal the whole group the way Ctrl-C or systemd does.
  const child = spawn('node', [BIN, verb], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
  const exited = new Promise<number | null>((done) => {
    child.once('exit', (code) => done(code));
  });
  let out = '';
  let err = '';
  const handle: SpawnedVoxoz = {
    child,
    stderr: () => err,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        if (opts.detached) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
      return exited;
    },
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`voxoz ${verb} did not become ready:\n${out}\n${err}`));
    }, 60_000);
    const check = () => {
      if ((out + err).includes(ready)) {
        clearTimeout(timer);
        resolvePromise(handle);
      }
    };
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      check();
    });
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      check();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`voxoz ${verb} exited with ${code}:\n${out}\n${err}`));
    });
  });
}

/** Runs `voxoz say …` against the voxoz on `port` whose data dir is `dataDir` (the CLI reads the local API token there); resolves with its exit code and output. */
export function sayTo(port: number, dataDir: string, user: string, words: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      'node',
      [BIN, 'say', '--user', user, ...words],
      { cwd: ROOT, env: { ...process.env, PORT: String(port), VOXOZ_DATA_DIR: dataDir }, timeout: 120_000 },
      (error, stdout, stderr) => {
        resolvePromise({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
      },
    );
  });
}
