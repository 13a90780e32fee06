import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { CommandRegistry } from '../../src/dispatch/command-registry.ts';
import { DISCORD_LIMITS } from './discord-limits.ts';
import { subcommandOf, type OptionNode } from './to-invocation.ts';

/**
 * Choices for the option being typed: app names from config when the option is an `app`
 * argument (prefix matches first, then other matches; at most 25), nothing otherwise.
 */
export function autocompleteApps(
  registry: CommandRegistry,
  appNames: ReadonlyArray<string>,
  options: ReadonlyArray<OptionNode> | undefined,
): Array<{ name: string; value: string }> {
  const sub = subcommandOf(options);
  const focused = sub.options.find((o) => o.focused);
  const spec = registry.find(sub.name);
  if (!focused || focused.type !== ApplicationCommandOptionType.String || !spec) return [];
  if (spec.args.find((a) => a.name === focused.name)?.type !== 'app') return [];
  const typed = String(focused.value ?? '')
    .trim()
    .toLowerCase();
  const starts = appNames.filter((n) => n.startsWith(typed));
  const contains = appNames.filter((n) => !n.startsWith(typed) && n.includes(typed));
  return [...starts, ...contains]
    .slice(0, DISCORD_LIMITS.autocompleteChoices)
    .map((n) => ({ name: n.slice(0, DISCORD_LIMITS.choiceName), value: n }));
}
