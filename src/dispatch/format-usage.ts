import type { CommandSpec } from './command-spec.ts';

/** `deploy <app> [ref] [--env <env>] [--dry-run]` */
export function formatUsage(command: CommandSpec): string {
  const args = command.args.map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`));
  const options = (command.options ?? []).map((o) =>
    o.type === 'boolean' ? `[--${o.name}]` : `[--${o.name} <${o.type === 'int' ? 'n' : o.name}>]`,
  );
  return [command.name, ...args, ...options].join(' ');
}
