import type { ArgSpec, CommandSpec } from './command-spec.ts';

/** How an argument is named in usage lines, help and problems: `<app>`, or as the spec writes it (`+<n>`, `for`). */
export const argLabel = (a: ArgSpec): string => a.written ?? `<${a.name}>`;

/** `deploy <app> [ref] [--env <env>] [--dry-run]`; a rest argument is `[reason…]`. */
export function formatUsage(command: CommandSpec): string {
  const args = command.args.map((a) => {
    const name = a.rest ? `${a.name}…` : a.name;
    return a.required ? (a.written ?? `<${name}>`) : `[${a.written ?? name}]`;
  });
  const options = (command.options ?? []).map((o) =>
    o.type === 'boolean' ? `[--${o.name}]` : `[--${o.name} <${o.type === 'int' ? 'n' : o.type === 'duration' ? 'duration' : o.name}>]`,
  );
  return [command.name, ...args, ...options].join(' ');
}
