import type { Reply } from '../src/core/types.ts';
import type { AnswerContext, CommandSpec, ParsedArgs } from '../src/dispatch/command-spec.ts';
import { argLabel, formatUsage } from '../src/dispatch/format-usage.ts';

/** A command and the commands spelled after it (`lock`, `lock status`), in that order. */
const withSubcommands = (c: CommandSpec): CommandSpec[] => [c, ...(c.subcommands ?? [])];

function helpFor(verb: string, ctx: AnswerContext): Reply {
  const command = ctx.commands.find((c) => c.name === verb || c.aliases?.includes(verb));
  if (!command) return helpIndex(ctx, `There is no command "${verb}".`);
  const lines = withSubcommands(command).flatMap((spec, i) => [
    ...(i > 0 ? [''] : []),
    spec.summary,
    `Usage: ${ctx.botName} ${formatUsage(spec)}`,
    ...spec.args.map((a) => `  ${argLabel(a)}  ${a.summary}${a.required ? '' : ' (optional)'}`),
    ...(spec.options ?? []).map((o) => `  --${o.name}  ${o.summary}`),
    `Side effects: ${spec.sideEffects}`,
  ]);
  if (command.aliases?.length) lines.push(`Aliases: ${command.aliases.join(', ')}`);
  return {
    title: `help: ${command.name}`,
    status: 'info',
    text: lines.join('\n'),
    code: withSubcommands(command).flatMap((spec) => spec.examples.map((e) => `${ctx.botName} ${e}`)),
    ephemeral: true,
  };
}

function helpIndex(ctx: AnswerContext, preface?: string): Reply {
  const lines = ctx.commands.flatMap(withSubcommands).map((c) => `${formatUsage(c).padEnd(40)} ${c.summary}`);
  const apps =
    ctx.apps.length > 0 ? `Apps: ${ctx.apps.map((a) => a.name).join(', ')}` : 'No apps are configured yet: add one to voxoz.yml.';
  return {
    title: `${ctx.botName} commands`,
    status: 'info',
    text: [preface, `Type "${ctx.botName} help <command>" for details.`, apps].filter(Boolean).join('\n'),
    code: [lines.join('\n')],
    ephemeral: true,
  };
}

export const help: CommandSpec = {
  name: 'help',
  aliases: ['h'],
  summary: 'List the commands, or explain one',
  args: [{ name: 'command', type: 'word', summary: 'the command to explain' }],
  examples: ['help', 'help deploy'],
  sideEffects: 'none',
  run: {
    kind: 'answer',
    answer: (args: ParsedArgs, ctx) => (typeof args.command === 'string' ? helpFor(args.command, ctx) : helpIndex(ctx)),
  },
};
