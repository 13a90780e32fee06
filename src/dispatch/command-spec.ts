import type { JobKind, Reply } from '../core/types.ts';

/** Types an argument can have; each has a pure resolver in resolve-arg.ts. */
export type ArgType = 'app' | 'gitref' | 'int' | 'env' | 'word';

export interface ArgSpec {
  name: string;
  type: ArgType;
  summary: string;
  required?: boolean;
  /** Bounds for `int`. */
  min?: number;
  max?: number;
}

export interface OptionSpec {
  /** Written `--name value` or `--name=value`; booleans are written `--name`. */
  name: string;
  type: 'boolean' | 'env' | 'int';
  summary: string;
  min?: number;
  max?: number;
}

export type ParsedArgs = Record<string, string | number | boolean | undefined>;

/** What the dispatcher knows when a command answers at once. */
export interface AnswerContext {
  commands: ReadonlyArray<CommandSpec>;
  apps: ReadonlyArray<{ name: string; runtime: string }>;
  botName: string;
}

/**
 * One chat command, declared as data. Help text, usage lines, argument errors and (later)
 * Discord's slash-command options are all generated from this; nothing is written twice.
 */
export interface CommandSpec {
  name: string;
  aliases?: string[];
  summary: string;
  args: ArgSpec[];
  options?: OptionSpec[];
  examples: string[];
  /** What running it changes, said in help: "none", "reads engine state", "replaces running containers". */
  sideEffects: string;
  /** Either a queued job (run by a worker) or an answer computed at once in the bot process. */
  run: { kind: 'job'; job: JobKind } | { kind: 'answer'; answer: (args: ParsedArgs, ctx: AnswerContext) => Reply };
}
