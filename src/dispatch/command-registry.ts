import type { CommandSpec } from './command-spec.ts';

export interface CommandRegistry {
  readonly commands: ReadonlyArray<CommandSpec>;
  /** The command a verb or alias names. */
  find(verb: string): CommandSpec | undefined;
  /** Every verb and alias, for suggestions. */
  verbs(): string[];
}

/** What is wrong with one spec's arguments: a name used twice, a required one after an optional one, a misplaced rest. */
function checkArgs(command: CommandSpec): string[] {
  const problems: string[] = [];
  const names = [...command.args.map((a) => a.name), ...(command.options ?? []).map((o) => o.name)];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) problems.push(`${command.name} declares "${dup}" twice`);
  const firstOptional = command.args.findIndex((a) => !a.required);
  if (firstOptional >= 0 && command.args.slice(firstOptional).some((a) => a.required))
    problems.push(`${command.name}: required arguments must come before optional ones`);
  if (command.args.slice(0, -1).some((a) => a.rest))
    problems.push(`${command.name}: only the last argument may take the rest of the words`);
  return problems;
}

/** Builds the verb table; a name or alias used twice fails here, at start-up, naming both commands. */
export function createRegistry(commands: ReadonlyArray<CommandSpec>): CommandRegistry {
  const byVerb = new Map<string, CommandSpec>();
  const problems: string[] = [];
  for (const command of commands) {
    for (const verb of [command.name, ...(command.aliases ?? [])]) {
      if (!/^[a-z][a-z0-9-]{0,31}$/.test(verb))
        problems.push(`command verb "${verb}" (in ${command.name}) must be lowercase letters, digits and dashes`);
      const taken = byVerb.get(verb);
      if (taken) problems.push(`"${verb}" is claimed by both ${taken.name} and ${command.name}`);
      else byVerb.set(verb, command);
    }
    for (const spec of [command, ...(command.subcommands ?? [])]) problems.push(...checkArgs(spec));
    for (const sub of command.subcommands ?? [])
      if (!new RegExp(`^${command.name} [a-z][a-z0-9-]{0,31}$`).test(sub.name))
        problems.push(`subcommand "${sub.name}" of ${command.name} must be named "${command.name} <word>"`);
  }
  if (problems.length > 0) throw new Error(`command registry is inconsistent:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return {
    commands,
    find: (verb) => byVerb.get(verb.toLowerCase()),
    verbs: () => [...byVerb.keys()],
  };
}
