import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandBasicOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { ArgSpec, CommandSpec, OptionSpec } from '../../src/dispatch/command-spec.ts';
import { MAX_TEXT_CHARS } from '../../src/dispatch/resolve-arg.ts';
import { DISCORD_LIMITS } from './discord-limits.ts';
import { fitHead } from './fit-text.ts';

export type CommandDefinition = RESTPostAPIChatInputApplicationCommandsJSONBody;

/** The slash command's name: `/voxoz <subcommand> …`. */
export const ROOT_COMMAND = 'voxoz';
/** Longest git ref the parser accepts (resolve-arg's checkGitRef); Discord refuses longer input in its client. */
const GITREF_MAX = 200;
/** Longest duration the parser accepts (`9999999d` is refused by its bounds, not its length). */
const DURATION_MAX = 8;

const describe = (text: string) => fitHead(text.trim() || '-', DISCORD_LIMITS.commandDescription);

function fromArg(arg: ArgSpec): APIApplicationCommandBasicOption {
  const base = { name: arg.name, description: describe(arg.summary), required: arg.required === true };
  switch (arg.type) {
    case 'app':
      return { ...base, type: ApplicationCommandOptionType.String, autocomplete: true };
    case 'int':
      return {
        ...base,
        type: ApplicationCommandOptionType.Integer,
        ...(arg.min !== undefined ? { min_value: arg.min } : {}),
        ...(arg.max !== undefined ? { max_value: arg.max } : {}),
      };
    case 'gitref':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: GITREF_MAX };
    case 'env':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: 32 };
    case 'word':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: 64 };
    case 'job':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: 120 };
    case 'text':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: MAX_TEXT_CHARS };
    case 'duration':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: DURATION_MAX };
  }
}

function fromOption(opt: OptionSpec): APIApplicationCommandBasicOption {
  const base = { name: opt.name, description: describe(opt.summary), required: false };
  switch (opt.type) {
    case 'boolean':
      return { ...base, type: ApplicationCommandOptionType.Boolean };
    case 'int':
      return {
        ...base,
        type: ApplicationCommandOptionType.Integer,
        ...(opt.min !== undefined ? { min_value: opt.min } : {}),
        ...(opt.max !== undefined ? { max_value: opt.max } : {}),
      };
    case 'env':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: 32 };
    case 'duration':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: DURATION_MAX };
  }
}

/**
 * The `/voxoz` application command, generated from the same specs the text parser uses: one
 * subcommand per spec (aliases are text-only), each positional argument and `--option` as a
 * typed option (app names autocomplete from config; ints carry their bounds; required ones
 * first, as Discord demands and the registry already guarantees for arguments). Bounds here are
 * a convenience in Discord's client; the parser still validates everything.
 * Servers only: installed to guilds (`integration_types: [0]`) and usable in guilds only
 * (`contexts: [0]`), so Discord offers it neither in DMs with the bot nor as a user app.
 * `default_member_permissions` stays unset: voxoz's own roles decide, and a permission there
 * would hide /voxoz from everyone but admins.
 */
export function commandDefinitions(specs: ReadonlyArray<CommandSpec>): CommandDefinition[] {
  return [
    {
      type: ApplicationCommandType.ChatInput,
      name: ROOT_COMMAND,
      description: 'Deploy, scale, roll back and inspect apps',
      integration_types: [ApplicationIntegrationType.GuildInstall],
      contexts: [InteractionContextType.Guild],
      options: specs.slice(0, 25).map((spec) => ({
        type: ApplicationCommandOptionType.Subcommand,
        name: spec.name,
        description: describe(spec.summary),
        options: [...spec.args.map(fromArg), ...(spec.options ?? []).map(fromOption)].slice(0, 25),
      })),
    },
  ];
}
