import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Reads the folder from the plain arguments, so no path is ever spliced into the Erlang code. */
const STRIP = '[D] = init:get_plain_arguments(), {ok, _} = beam_lib:strip_files(filelib:wildcard(filename:join(D, "*.beam"))), halt().';

/**
 * The same .beam files without what only debuggers and tools read (`beam_lib:strip_files`, as
 * `systools` does for a release): debug_info, local function table, attributes and compile
 * info go; code, literals, exports and line numbers (for stack traces) stay, and the result is
 * gzip'd (the loader reads that as it is), so less RAM holds the unpacked image. Debian's OTP
 * libraries carry debug_info: stripping takes the image from ~11 MB to ~6.5 MB gzip'd.
 * `erl` is the build machine's, run with an argument array.
 */
export async function stripBeams(erl: string, beams: readonly Buffer[], signal?: AbortSignal): Promise<Buffer[]> {
  const dir = await mkdtemp(join(tmpdir(), 'voxoz-strip-'));
  try {
    const name = (i: number) => join(dir, `m${String(i).padStart(6, '0')}.beam`);
    await Promise.all(beams.map((b, i) => writeFile(name(i), b)));
    await run(erl, ['-noshell', '-boot', 'start_clean', '-eval', STRIP, '-extra', dir], {
      cwd: dir,
      env: { ...process.env, ERL_CRASH_DUMP_SECONDS: '0' },
      timeout: 120_000,
      signal,
    });
    return Promise.all(beams.map((_, i) => readFile(name(i))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
