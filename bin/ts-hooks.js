// Node module hooks (registered by register-ts.js) that load voxoz's TypeScript files: esbuild
// strips the types and changes nothing else (no renaming, so no helpers that keep functions'
// names: tsx's loader adds a call to one for every function made, a cost on every job's path).
// What esbuild made is kept in a private folder of the user's temporary directory, by the hash of
// the source and the options, so a start after the first reads it instead of transforming again.
// Once a day a start removes what no start read for a month (see prune).
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform, version } from 'esbuild';

const options = {
  loader: 'ts',
  format: 'esm',
  target: `node${process.versions.node}`,
  sourcemap: 'inline',
  // As tsconfig.json's target ES2022 compiles class fields (tsconfig.json is not in the image).
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
};

/** The cache folder, or undefined when it is not this user's alone (then every start transforms). */
const cacheDir = await (async () => {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = join(tmpdir(), `voxoz-ts-${uid}`);
  try {
    await mkdir(dir, { mode: 0o700, recursive: true });
    const st = await lstat(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
})();

const DAY_MS = 24 * 3600 * 1000;
/** What was made for a source no start read for this long is removed (made again if it comes back). */
const UNUSED_MS = 30 * DAY_MS;

/**
 * Keeps the cache from growing with every edit of a source: at most once a day (the `.pruned`
 * stamp's time), removes what no start has read for UNUSED_MS (a read moves a file's access time
 * on the default `relatime` mounts; on `noatime` ones a file in use is made again after a month)
 * and the parts of writes that a stopped start left a day ago.
 */
async function prune(dir) {
  const stamp = join(dir, '.pruned');
  const now = Date.now();
  const last = await stat(stamp).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  // A stamp from the future (the clock was set back) does not stop it for good.
  if (now - last >= 0 && now - last < DAY_MS) return;
  await writeFile(stamp, '', { mode: 0o600 });
  for (const name of await readdir(dir)) {
    if (name === '.pruned') continue;
    const file = join(dir, name);
    const st = await lstat(file).catch(() => undefined);
    if (!st?.isFile()) continue;
    const age = now - Math.max(st.atimeMs, st.mtimeMs);
    if (age > (name.endsWith('.js') ? UNUSED_MS : DAY_MS)) await rm(file, { force: true });
  }
}
if (cacheDir) await prune(cacheDir).catch(() => undefined);

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !/\.[cm]?ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  const key = createHash('sha256')
    .update(JSON.stringify([version, file, options]))
    .update(source)
    .digest('hex');
  const cached = cacheDir && join(cacheDir, `${key}.js`);
  if (cached) {
    const code = await readFile(cached, 'utf8').catch(() => undefined);
    if (code !== undefined) return { format: 'module', source: code, shortCircuit: true };
  }
  const { code } = await transform(source, { ...options, sourcefile: file });
  if (cached) {
    // Written whole, then renamed: a start reading it meanwhile sees it complete or not at all.
    const part = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    await writeFile(part, code, { mode: 0o600 })
      .then(() => rename(part, cached))
      .catch(() => undefined);
  }
  return { format: 'module', source: code, shortCircuit: true };
}
