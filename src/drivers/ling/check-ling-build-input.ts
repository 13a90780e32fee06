import { UserError } from '../../core/user-error.ts';
import type { LingBuildInput } from './ling-types.ts';

/** Longest `extra`: Xen keeps 1024 bytes of a PV guest's command line, and railing appends `-home` and `-pz` to it. */
export const MAX_EXTRA = 512;
/** Largest domain memory voxoz asks for, in MiB. @defaultValue 65536 */
export const MAX_MEMORY = 65536;

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Printable ASCII without `"` and `\`: safe inside an xl string and on a kernel command line. */
const EXTRA = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;
const EXCLUDE = /^[A-Za-z0-9_.][A-Za-z0-9_./-]*$/;

/**
 * Checks what both LING builders receive before anything runs, and fails with one
 * `UserError` (`bad_build_input`) that lists every problem. `minMemory` is the builder's floor.
 */
export function checkLingBuildInput(input: Pick<LingBuildInput, 'name' | 'memory' | 'extra' | 'exclude'>, minMemory: number): void {
  const problems: string[] = [];
  if (!NAME.test(input.name)) problems.push(`name ${JSON.stringify(input.name)}: use 1-63 of a-z, 0-9 and -, not starting with -`);
  if (!Number.isInteger(input.memory) || input.memory < minMemory || input.memory > MAX_MEMORY) {
    problems.push(`memory ${input.memory}: a whole number of MiB from ${minMemory} to ${MAX_MEMORY}`);
  }
  if (input.extra.length > MAX_EXTRA) problems.push(`extra: ${input.extra.length} characters, at most ${MAX_EXTRA}`);
  if (!EXTRA.test(input.extra)) problems.push('extra: printable ASCII only, without " and \\');
  for (const x of input.exclude) {
    if (!EXCLUDE.test(x) || x.split('/').includes('..') || x.length > 255) {
      problems.push(`exclude ${JSON.stringify(x)}: a relative path prefix of letters, digits, _ . / -, without ..`);
    }
  }
  if (problems.length) throw new UserError('bad_build_input', `Cannot build ${input.name}:\n- ${problems.join('\n- ')}`);
}

/**
 * Railing's `-x`: a file whose path relative to the app folder starts with one of the
 * prefixes is left out (a plain string prefix, exactly as railing compares, so `deps/lager`
 * leaves out `deps/lager/ebin/*`).
 */
export function isExcluded(relPath: string, exclude: readonly string[]): boolean {
  return exclude.some((x) => relPath.startsWith(x));
}
