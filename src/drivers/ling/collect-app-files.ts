import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { UserError } from '../../core/user-error.ts';
import type { DriverIO } from '../driver.ts';
import { runLogged } from '../run-logged.ts';
import { isExcluded } from './check-ling-build-input.ts';

/** A file of the app, by its path relative to the app folder (`ebin/hello.beam`). */
export interface AppFile {
  rel: string;
  data: Buffer;
}

/** Last lines of erlc's output quoted in the error. @defaultValue 40 */
const MAX_ERROR_LINES = 40;

/**
 * The app's code as railing sees it: every `**\/ebin/*.beam` and `*.app` under `sourceDir`, minus
 * the `exclude` prefixes. Hidden folders (`.git`, railing's `.railing`) and symbolic links are
 * skipped, so a link cannot pull a host file into the image. With no .beam but `src/*.erl`,
 * those are compiled first (`erlc +deterministic`, so the same source gives the same bytes)
 * and come back as `ebin/*`; a `src/*.app.src` is copied as `ebin/*.app`.
 */
export async function collectAppFiles(opts: {
  sourceDir: string;
  exclude: readonly string[];
  erlc: string;
  io: DriverIO;
}): Promise<AppFile[]> {
  const { sourceDir, exclude, io } = opts;
  const files = (await walk(sourceDir)).map((abs) => ({ abs, rel: relative(sourceDir, abs).split(sep).join('/') }));
  const kept = files.filter((f) => !isExcluded(f.rel, exclude));
  const ebin = kept.filter((f) => /(^|\/)ebin\/[^/]+\.(beam|app)$/.test(f.rel));
  if (ebin.some((f) => f.rel.endsWith('.beam'))) {
    io.log(`app: ${ebin.length} files from ebin folders`);
    const files = await Promise.all(ebin.map(async (f) => ({ rel: f.rel, data: await readFile(f.abs) })));
    const bad = files.filter((f) => f.rel.endsWith('.beam') && !isBeam(f.data)).map((f) => f.rel);
    if (bad.length) throw new UserError('bad_beam_file', `Not compiled Erlang (BEAM) files: ${bad.join(', ')}`);
    return files;
  }
  const sources = kept.filter((f) => /^src\/[^/]+\.erl$/.test(f.rel));
  if (!sources.length) {
    throw new UserError(
      'no_erlang_code',
      'Nothing to build: expected compiled code in ebin/*.beam (any depth) or Erlang sources in src/*.erl to compile.',
    );
  }
  return compile(sourceDir, sources, kept, opts.erlc, io);
}

async function compile(sourceDir: string, sources: { rel: string }[], kept: { abs: string; rel: string }[], erlc: string, io: DriverIO) {
  const tmp = await mkdtemp(join(tmpdir(), 'voxoz-erlc-'));
  try {
    const out = join(tmp, 'ebin');
    await mkdir(out);
    io.log(`app: no .beam files; compiling ${sources.length} module${sources.length === 1 ? '' : 's'} with erlc`);
    const args = ['+deterministic', '-I', 'include', '-o', out, ...sources.map((s) => s.rel)];
    const res = await runLogged(erlc, args, { cwd: sourceDir, io });
    if (res.code !== 0) {
      const lines = res.stdout.trim().split('\n').slice(-MAX_ERROR_LINES).join('\n');
      throw new UserError('erlang_compile_failed', `erlc could not compile the app:\n${lines || `exit status ${res.code}`}`);
    }
    for (const appSrc of kept.filter((f) => /^src\/[^/]+\.app\.src$/.test(f.rel))) {
      await copyFile(appSrc.abs, join(out, basename(appSrc.rel, '.src')));
    }
    const names = (await readdir(out)).sort();
    return Promise.all(names.map(async (n) => ({ rel: `ebin/${n}`, data: await readFile(join(out, n)) })));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A BEAM file (`FOR1…BEAM`), or one gzip'd as `beam_lib:strip` and `+compressed` write them. */
function isBeam(data: Buffer): boolean {
  return (data.toString('latin1', 0, 4) === 'FOR1' && data.toString('latin1', 8, 12) === 'BEAM') || (data[0] === 0x1f && data[1] === 0x8b);
}

/** Regular files under `dir`, sorted; hidden entries and symbolic links are not followed. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const abs = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(abs)));
    else if (e.isFile()) out.push(abs);
  }
  return out;
}
