import type { APIApplicationCommand, APIApplicationCommandInteractionDataOption, APIApplicationCommandOption } from 'discord-api-types/v10';

/** Option values a test passes: strings, numbers, booleans (ids for user/channel/role). */
export type OptionValues = Record<string, string | number | boolean>;

/** What `buildOptions` needs: the invoked path and values, and whether this is autocomplete. */
export interface OptionRequest {
  subcommand?: string;
  group?: string;
  options?: OptionValues;
  /** Autocomplete: the option being typed (must have `autocomplete: true`). */
  focused?: string;
}

/**
 * Builds `data.options` for an invocation of a registered command, checking it against the
 * registered schema like Discord's client would: the (group/)subcommand exists, every option
 * exists and has the right value type, required options are present (not for autocomplete).
 */
export function buildOptions(cmd: APIApplicationCommand, req: OptionRequest): APIApplicationCommandInteractionDataOption[] {
  const where = `/${cmd.name}`;
  let level: APIApplicationCommandOption[] = cmd.options ?? [];
  const wrap: Array<(inner: APIApplicationCommandInteractionDataOption[]) => APIApplicationCommandInteractionDataOption> = [];
  if (req.group !== undefined) {
    const g = level.find((o) => o.type === 2 && o.name === req.group);
    if (g?.type !== 2) throw new Error(`${where} has no subcommand group "${req.group}"`);
    level = g.options ?? [];
    wrap.push((inner) => ({ type: 2, name: g.name, options: inner as never }));
  }
  if (req.subcommand !== undefined) {
    const s = level.find((o) => o.type === 1 && o.name === req.subcommand);
    if (s?.type !== 1) throw new Error(`${where} has no subcommand "${req.subcommand}"`);
    level = s.options ?? [];
    wrap.push((inner) => ({ type: 1, name: s.name, options: inner as never }));
  } else if (level.some((o) => o.type === 1 || o.type === 2)) {
    throw new Error(`${where} needs a subcommand`);
  }
  const given = req.options ?? {};
  const out: APIApplicationCommandInteractionDataOption[] = [];
  for (const [name, value] of Object.entries(given)) {
    const def = level.find((o) => o.name === name);
    if (!def) throw new Error(`${where}: unknown option "${name}"`);
    const ok =
      def.type === 5
        ? typeof value === 'boolean'
        : def.type === 4
          ? Number.isInteger(value)
          : def.type === 10
            ? typeof value === 'number'
            : typeof value === 'string';
    if (!ok) throw new Error(`${where}: option "${name}" has the wrong value type for option type ${def.type}`);
    const focused = req.focused === name;
    if (focused && !('autocomplete' in def && def.autocomplete)) throw new Error(`${where}: option "${name}" has no autocomplete`);
    out.push({ name, type: def.type, value, ...(focused ? { focused: true } : {}) } as APIApplicationCommandInteractionDataOption);
  }
  if (req.focused !== undefined && !(req.focused in given)) throw new Error(`${where}: focused option "${req.focused}" has no value`);
  if (req.focused === undefined) {
    for (const o of level)
      if ('required' in o && o.required && !(o.name in given)) throw new Error(`${where}: required option "${o.name}" missing`);
  }
  let result = out;
  for (let i = wrap.length - 1; i >= 0; i -= 1)
    result = [(wrap[i] as (x: typeof out) => APIApplicationCommandInteractionDataOption)(result)];
  return result;
}
