import { lstatSync, readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import dockerignore from '@balena/dockerignore';

/** The package is CommonJS (`module.exports = factory`) but its types declare an ES default export. */
const ignore = dockerignore as unknown as typeof dockerignore.default;

/**
 * What `tar-fs` should leave out of the build context of `contextDir`: the `.dockerignore`
 * rules with Docker's semantics (matching is `@balena/dockerignore`, a port of Docker's own:
 * `*`, `**`, `?`, `!` exceptions, a leading `/`, `#` comments), plus every `.git` folder.
 * As Docker's CLI does, the Dockerfile and `.dockerignore` are always sent (the engine drops
 * them from the context itself when they are listed), and an ignored folder is still walked
 * when some `!` rule might take a file inside it back. Returns a predicate on absolute paths.
 */
export function contextIgnore(contextDir: string, dockerfile: string): (absolutePath: string) => boolean {
  const patterns = readPatterns(contextDir);
  const rules = ignore().add(patterns);
  for (const always of ['.dockerignore', dockerfile]) if (rules.ignores(always)) patterns.push(`!${always}`);
  const matcher = ignore().add(patterns);
  const exceptions = patterns.some((p) => p.startsWith('!'));
  return (absolutePath) => {
    const path = relative(contextDir, absolutePath).split(sep).join('/');
    if (path.split('/').includes('.git')) return true;
    if (!matcher.ignores(path)) return false;
    // An excluded folder is walked when exceptions exist; its own entry is then sent too (empty unless a file in it is taken back).
    return !(exceptions && isFolder(absolutePath));
  };
}

/** The rules of `<contextDir>/.dockerignore`, one per line; none when there is no such file. */
function readPatterns(contextDir: string): string[] {
  let text: string;
  try {
    text = readFileSync(`${contextDir}/.dockerignore`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function isFolder(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
