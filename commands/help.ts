import type { AnswerContext, CommandSpec, ParsedArgs } from '../src/dispatch/command-spec.ts';
import { formatUsage } from '../src/dispatch/format-usage.ts';
import type { Reply } from '../src/core/types.ts';

function helpFor(verb: string, ctx: AnswerContext): Reply {
  const command = ctx.commands.find((c) => c.name === verb || c.aliases?.includes(verb));
  if (!command) return helpIndex(ctx, `There is no command "${verb}".`);
  const lines = [
    command.summary,
    '',
    `Usage: ${ctx.botName} ${formatUsage(command)}`,
    ...command.args.map((a) => `  <${a.name}>  ${a.summary}${a.required ? '' : ' (optional)'}`),
    ...(command.options ?? []).map((o) => `  --${o.name}  ${o.summary}`),
    `Side effects: ${command.sideEffects}`,
    ...(command.aliases?.length ? [`Aliases: ${command.aliases.join(', ')}`] : []),
  ];
  return {
    title: `help: ${command.name}`,
    status: 'info',
    text: lines.join('\n'),
    code: command.examples.map((e) => `${ctx.botName} ${e}`),
    ephemeral: true,
  };
}

function helpIndex(ctx: AnswerContext, preface?: string): Reply {
  const lines = ctx.commands.map((c) => `${formatUsage(c).padEnd(40)} ${c.summary}`);
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
