import { closestWord } from './dispatch/closest-word.ts';

/** What each CLI command takes after its name, beyond `say` (which takes the command's words). */
const TAKES: Record<string, readonly string[][]> = {
  start: [[]],
  worker: [[], ['--list']],
  reload: [[]],
  audit: [['export'], ['verify']],
};

const shown = (word: string) => JSON.stringify(word.slice(0, 40));

/**
 * What is wrong with the words after a CLI command (`voxoz worker --lst`, `voxoz reload now`,
 * `voxoz audit`), said as the first line before the usage; undefined when they are what the
 * command takes, or for a command this does not check (say, an unknown one).
 */
export function cliArgsProblem(verb: string, rest: readonly string[]): string | undefined {
  const forms = TAKES[verb];
  if (!forms || forms.some((f) => f.length === rest.length && f.every((w, i) => w === rest[i]))) return undefined;
  const words = [...new Set(forms.flatMap((f) => f))];
  if (words.length === 0) return `voxoz ${verb} takes no arguments; remove ${rest.map(shown).join(' ')}`;
  const choices = words.map((w) => `"${w}"`).join(' or ');
  if (rest.length === 0) return `voxoz ${verb}: give ${choices}`;
  const first = rest[0]!;
  if (!words.includes(first)) {
    const near = closestWord(first, words);
    const what = first.startsWith('-') ? 'option' : verb === 'audit' ? 'action' : 'argument';
    return `voxoz ${verb}: unknown ${what} ${shown(first)}; ${near ? `did you mean "${near}"?` : `it takes ${choices}`}`;
  }
  return `voxoz ${verb} ${first} takes nothing more; remove ${rest.slice(1).map(shown).join(' ')}`;
}
