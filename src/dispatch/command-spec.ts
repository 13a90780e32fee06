import type { Role } from '../config/access-schema.ts';
import type { ApprovalRecord } from '../approvals/approval-store.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import type { Schedule } from '../config/schedule-schema.ts';
import type { ChatUser, Reply } from '../core/types.ts';
import type { JobKind } from '../jobs/processors/index.ts';
import type { LockStore } from '../store/lock-store.ts';
import type { ReleaseReader } from '../store/release-store.ts';
import type { ActionName } from './actions.ts';
import type { JobReader } from './job-reader.ts';

/**
 * Types an argument can have; each has a pure resolver in resolve-arg.ts. `job` is a job id;
 * `text` is free words (a reason), usually with `rest`; `duration` is written 90s, 10m, 2h or
 * 1d and resolves to seconds.
 */
export type ArgType = 'app' | 'gitref' | 'int' | 'env' | 'word' | 'job' | 'text' | 'duration';

export interface ArgSpec {
  name: string;
  type: ArgType;
  summary: string;
  required?: boolean;
  /** The last argument only: it takes every remaining word, joined by single spaces (`lock hello deploy freeze`). */
  rest?: boolean;
  /** Bounds for `int`. */
  min?: number;
  max?: number;
  /** How it is written in usage lines, help and problems when not `<name>`: `+<n>`, or a fixed word (`for`). */
  written?: string;
  /** What else is wrong with the value once its type is right (a command's own rule), or undefined. */
  check?: (value: string | number) => string | undefined;
}

export interface OptionSpec {
  /** Written `--name value` or `--name=value`; booleans are written `--name`. */
  name: string;
  type: 'boolean' | 'env' | 'int' | 'duration';
  summary: string;
  /** Bounds for `int`; for `duration`, `max` is the most seconds taken (at most 30 days). */
  min?: number;
  max?: number;
}

export type ParsedArgs = Record<string, string | number | boolean | undefined>;

/**
 * The stores an answer may use, in the bot process. Releases and jobs are read-only; user locks
 * are the one thing an answer changes (`lock`, `unlock`), because they are bot-side state that
 * no worker has to act on.
 */
export interface AnswerStores {
  releases: ReleaseReader;
  jobs: JobReader;
  locks: LockStore;
  /** The audit trail, read-only (`audit`); absent where this process keeps none. */
  audit?: Pick<AuditLog, 'list'>;
  /** The requests that wait for approval (`approvals`); absent where this process decides none. */
  approvals?: { pending(): Promise<ApprovalRecord[]> };
}

/** What the dispatcher knows when a command answers at once. */
export interface AnswerContext {
  commands: ReadonlyArray<CommandSpec>;
  apps: ReadonlyArray<{ name: string; runtime: string }>;
  botName: string;
  /** Who asked (for "locked by", "unlocked …'s lock"). */
  user: ChatUser;
  /** The environment a command means when it names none. */
  defaultEnv: string;
  /** The scheduled summaries in voxoz.yml (`schedule list`). @defaultValue none */
  schedules?: ReadonlyArray<Schedule>;
  now: Date;
  /** How a platform identity is shown (the person's name in `people`, else the identity). @defaultValue the identity */
  shownAs?: (userId: string) => string;
  stores: AnswerStores;
}

/**
 * How a command runs: as a queued job (a worker runs the named processor), as an answer
 * computed at once in the bot process (async: it may read the stores; a UserError it throws is
 * shown as it is), or as an entry of the action table that buttons use too, given the value of
 * the named argument (`cancel <job>` = the Cancel button).
 */
export type CommandRun =
  | { kind: 'job'; job: JobKind }
  | { kind: 'answer'; answer: (args: ParsedArgs, ctx: AnswerContext) => Promise<Reply> | Reply }
  | { kind: 'action'; action: ActionName; value: string };

/**
 * One chat command, declared as data. Help text, usage lines, argument errors and Discord's
 * slash-command options are all generated from this; nothing is written twice.
 */
export interface CommandSpec {
  name: string;
  aliases?: string[];
  summary: string;
  args: ArgSpec[];
  options?: OptionSpec[];
  /**
   * Commands spelled `<name> <word> …` (`lock status`): when the first word after the verb is
   * one of these names, and no app has that name, the rest is parsed against it. Their `name`
   * is the whole phrase; help lists them with their parent.
   */
  subcommands?: ReadonlyArray<CommandSpec>;
  examples: string[];
  /**
   * The argument that names the environment the job acts on: its lock, its lock check and its
   * ledger (`promote`'s `to-env`). @defaultValue "env" (the `--env` option; default production)
   */
  envArg?: string;
  /**
   * What voxoz.yml says against these arguments (a ref of an app built from a folder, a schedule
   * it does not have), checked before anything is queued: a title and the problem, or undefined.
   */
  refuse?: (args: ParsedArgs, config: LoadedConfig) => { title: string; problem: string } | undefined;
  /** What running it changes, said in help: "none", "reads engine state", "replaces running containers". */
  sideEffects: string;
  /** The role it needs (voxoz.yml access:), or how to tell from the arguments. @defaultValue deployer for a job that changes something, else viewer */
  role?: Role | ((args: ParsedArgs) => Role);
  run: CommandRun;
}
