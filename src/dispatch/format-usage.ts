import type { CommandSpec } from './command-spec.ts';

/** `deploy <app> [ref] [--env <env>] [--dry-run]`; a rest argument is `[reason…]`. */
export function formatUsage(command: CommandSpec): string {
  const args = command.args.map((a) => {
    const name = a.rest ? `${a.name}…` : a.name;
    return a.required ? `<${name}>` : `[${name}]`;
  });
  const options = (command.options ?? []).map((o) =>
    o.type === 'boolean' ? `[--${o.name}]` : `[--${o.name} <${o.type === 'int' ? 'n' : o.type === 'duration' ? 'duration' : o.name}>]`,
  );
  return [command.name, ...args, ...options].join(' ');
}
