import { closestWord } from './closest-word.ts';
import type { CommandSpec, OptionSpec, ParsedArgs } from './command-spec.ts';
import type { CommandRegistry } from './command-registry.ts';
import { argLabel, formatUsage } from './format-usage.ts';
import { resolveArg, type ResolveContext } from './resolve-arg.ts';
import { tokenize } from './tokenize.ts';

export type ParseResult =
  | { ok: true; command: CommandSpec; args: ParsedArgs }
  | { ok: false; command?: CommandSpec; problems: string[]; usage?: string; unreadable?: true };

const HELP_FLAGS = new Set(['--help', '-h']);

/**
 * Turns command text into a command and named, typed arguments, or into the complete list of
 * problems (every one, not the first). Pure: no I/O, no clock.
 */
export function parseCommand(text: string, registry: CommandRegistry, ctx: ResolveContext): ParseResult {
  const tokenized = tokenize(text.trim());
  // Not words yet (a quote never closed, too long, a control character): no command to name.
  if (!tokenized.ok) return { ok: false, problems: [tokenized.problem], unreadable: true };
  const [verb, ...rest] = tokenized.tokens;
  if (verb === undefined || HELP_FLAGS.has(verb)) return parseCommand('help', registry, ctx);
  const found = registry.find(verb);
  // "deploy --help", as a terminal habit, is "help deploy".
  if (found && found.name !== 'help' && rest.includes('--help')) return parseCommand(`help ${found.name}`, registry, ctx);
  if (!found) {
    const near = closestWord(verb, registry.verbs());
    const shown = JSON.stringify(verb.length > 40 ? `${verb.slice(0, 37)}...` : verb);
    return { ok: false, problems: [`unknown command ${shown}${near ? `; did you mean "${near}"?` : '.'} Type "help" for the list.`] };
  }
  return parseArgs(found, rest, ctx);
}

/** The subcommand the first word names (`lock status`), unless an app has that name: then the word is the app. */
function subcommandOf(command: CommandSpec, first: string | undefined, ctx: ResolveContext): CommandSpec | undefined {
  if (first === undefined || ctx.appNames.includes(first)) return undefined;
  return command.subcommands?.find((s) => s.name.slice(command.name.length + 1) === first.toLowerCase());
}

function parseArgs(parent: CommandSpec, words: string[], ctx: ResolveContext): ParseResult {
  const sub = subcommandOf(parent, words[0], ctx);
  const command = sub ?? parent;
  const rest = sub ? words.slice(1) : words;
  const problems: string[] = [];
  const args: ParsedArgs = {};
  const positional: string[] = [];
  const options = command.options ?? [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (!token.startsWith('--') || token === '--') {
      // A negative number is a value (`scale hello -1` is told the range), not an option.
      if (token.startsWith('-') && token !== '-' && !/^-\d{1,9}$/.test(token))
        problems.push(`${JSON.stringify(token.slice(0, 40))} looks like an option; ${describeOptions(command.name, options)}`);
      else positional.push(token);
      continue;
    }
    const [name, inline] = splitOption(token);
    const option = options.find((o) => o.name === name);
    if (!option) {
      problems.push(`unknown option "--${name.slice(0, 40)}"; ${describeOptions(command.name, options)}`);
      continue;
    }
    if (args[option.name] !== undefined) problems.push(`--${option.name} is given twice`);
    if (option.type === 'boolean') {
      if (inline !== undefined) problems.push(`--${option.name} takes no value`);
      args[option.name] = true;
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined) {
      problems.push(`--${option.name} needs a value`);
      continue;
    }
    const resolved = resolveArg(option.type, value, ctx, option);
    if (resolved.ok) args[option.name] = resolved.value;
    else problems.push(`--${option.name}: ${resolved.problem}`);
  }
  const last = command.args.at(-1);
  if (last?.rest && positional.length > command.args.length)
    positional.splice(command.args.length - 1, positional.length, positional.slice(command.args.length - 1).join(' '));
  command.args.forEach((spec, index) => {
    const raw = positional[index];
    if (raw === undefined) {
      if (spec.required) problems.push(`${argLabel(spec)} is missing (${spec.summary})`);
      return;
    }
    const resolved = resolveArg(spec.type, raw, ctx, spec);
    const problem = resolved.ok ? spec.check?.(resolved.value) : resolved.problem;
    if (problem) problems.push(`${argLabel(spec)}: ${problem}`);
    else if (resolved.ok) args[spec.name] = resolved.value;
  });
  if (positional.length > command.args.length) {
    const extra = positional
      .slice(command.args.length)
      .map((t) => JSON.stringify(t.slice(0, 40)))
      .join(' ');
    const most = command.args.length;
    problems.push(
      `${command.name} takes ${most === 0 ? 'no arguments' : `at most ${most} argument${most === 1 ? '' : 's'}`}; remove ${extra}`,
    );
  }
  if (problems.length > 0) return { ok: false, command, problems, usage: formatUsage(command) };
  return { ok: true, command, args };
}

function splitOption(token: string): [string, string | undefined] {
  const body = token.slice(2);
  const eq = body.indexOf('=');
  return eq < 0 ? [body, undefined] : [body.slice(0, eq), body.slice(eq + 1)];
}

function describeOptions(verb: string, options: ReadonlyArray<OptionSpec>): string {
  return options.length === 0 ? `${verb} takes no options` : `${verb} takes ${options.map((o) => `--${o.name}`).join(', ')}`;
}
