import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * The absolute paths `ldd` names in its output: `libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x…)`
 * and the loader itself, `/lib64/ld-linux-x86-64.so.2 (0x…)`. The vDSO has no file and is
 * skipped; a static binary yields nothing. A library `ldd` could not find is an error: the
 * image would not start.
 */
export function parseLddOutput(text: string): string[] {
  const found: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.includes('statically linked')) continue;
    if (/=>\s*not found/.test(line)) throw new Error(`ldd: ${line}`);
    const target = line.includes('=>') ? line.split('=>')[1]!.trim() : line;
    const path = target.replace(/\s*\(0x[0-9a-f]+\)$/, '');
    if (path.startsWith('/')) found.push(path);
  }
  return found;
}

const run = promisify(execFile);

/** Every shared library (and the dynamic loader) the binaries need, sorted, each once. Trusted binaries only: ldd may run them. */
export async function findSharedLibraries(binaries: readonly string[]): Promise<string[]> {
  const all = new Set<string>();
  for (const bin of binaries) {
    const { stdout } = await run('ldd', [bin], { encoding: 'utf8' }).catch((err: { stdout?: string; message: string }) => {
      // ldd exits 1 for a static binary ("not a dynamic executable")
      if (/not a dynamic executable/.test(String((err as { stderr?: string }).stderr ?? err.message))) return { stdout: '' };
      throw err;
    });
    for (const lib of parseLddOutput(stdout)) all.add(lib);
  }
  return [...all].sort();
}
