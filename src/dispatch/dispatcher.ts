import { randomUUID } from 'node:crypto';
import { shownAs } from '../access/grants.ts';
import type { Approvals } from '../approvals/approvals.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { auditWriter, resultOf } from '../audit/audit-command.ts';
import { auditEnv } from '../audit/audit-record.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { hasEnvironment } from '../config/app-environment.ts';
import { closestWord } from './closest-word.ts';
import type { Interaction, Invocation, Reply } from '../core/types.ts';
import { isUserError, UserError } from '../core/user-error.ts';
import type { DeliveryClaim } from '../jobs/claim-delivery.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { processors } from '../jobs/processors/index.ts';
import { lockedError } from '../jobs/processors/refuse-if-locked.ts';
import type { Logger } from '../observability/logger.ts';
import type { LockStore } from '../store/lock-store.ts';
import type { ReleaseReader } from '../store/release-store.ts';
import { type ActionContext, actions, decisionRefusal, isActionName } from './actions.ts';
import type { CommandRegistry } from './command-registry.ts';
import type { CommandSpec, ParsedArgs } from './command-spec.ts';
import { commandId, commandLine, jobData } from './job-data.ts';
import { parseCommand } from './parse-command.ts';
import type { Policy } from './policy.ts';
import { STORE_TIMEOUT_MS, storeUnavailable, withDeadline } from './with-deadline.ts';

/** What the adapter does next: show an answer, or tell the user the job is queued (its thread follows). */
export type Outcome = { type: 'answer'; reply: Reply } | { type: 'queued'; jobId: string; duplicate: boolean; reply: Reply };

export interface Dispatcher {
  /** verify (adapter) → parse → authorise → answer, act or enqueue; never throws: every failure becomes an answer. */
  handle(invocation: Invocation): Promise<Outcome>;
  /** A button press: an entry of the action table (Cancel now; Approve/Reject later), once per click. */
  interact(interaction: Interaction): Promise<Reply>;
  /** The clock every adapter stamps its invocations with (the composition root's). */
  now(): Date;
  /** Runs a command an approver approved, as its requester, past the policy (it was authorised when asked for). */
  runApproved(text: string, user: Invocation['user'], where: { platform: string; conversation: string }): Promise<Reply>;
}

export interface DispatcherDeps {
  registry: CommandRegistry;
  config: () => LoadedConfig;
  /** The queue; also the read-only job view answers get (`jobs`). */
  queue: JobQueue;
  releases: ReleaseReader;
  /** Locks people hold (`lock`): checked before a mutating job is queued. */
  locks: LockStore;
  policy: Policy;
  /** Approval requests and decisions; without it a command an approval rule defers is refused. */
  approvals?: Approvals;
  /** The audit trail: every command and click is recorded with what came of it. */
  audit?: Pick<AuditLog, 'record' | 'list'>;
  log: Logger;
  /** Environment used when a command names none. @defaultValue "production" */
  defaultEnv?: string;
  /** Longest wait for a store before the user is answered anyway. @defaultValue STORE_TIMEOUT_MS (1000) */
  storeTimeoutMs?: number;
  /** @defaultValue () => new Date() */
  now?: () => Date;
}

/** The problem with each environment the command names (`--env`, `promote`'s two), if it is not one of the app's own. */
function unknownEnvironment(config: LoadedConfig, command: CommandSpec, args: Record<string, unknown>): string | undefined {
  const app = config.apps.find((a) => a.name === args.app);
  // With no app named (`status --env prod`), the environment must be one some app has.
  const has = app ? (env: string) => hasEnvironment(app, env) : (env: string) => config.apps.some((a) => hasEnvironment(a, env));
  const named = [...command.args, ...(command.options ?? [])].filter((a) => a.type === 'env').map((a) => args[a.name]);
  const unknown = named.filter((env): env is string => typeof env === 'string' && !has(env));
  if (unknown.length === 0) return undefined;
  const envs = app ? Object.keys(app.environments) : [...new Set(config.apps.flatMap((a) => Object.keys(a.environments)))];
  return unknown
    .map((env) => {
      const near = closestWord(env, envs);
      const fix = near ? `did you mean "${near}"?` : 'add it under apps[].environments in voxoz.yml';
      const who = app ? `${app.name} has no` : 'no app has an';
      return `${who} environment "${env}" (${app ? 'it has' : 'the apps have'}: ${envs.join(', ') || 'none'}); ${fix}`;
    })
    .join('\n');
}

/** The environment a command acts on: its `envArg` (default `--env`), else the default. */
export function commandEnv(command: CommandSpec, args: ParsedArgs, defaultEnv: string): string {
  const env = args[command.envArg ?? 'env'];
  return typeof env === 'string' ? env : defaultEnv;
}

const errorReply = (title: string, text: string): Reply => ({ title, status: 'error', text, ephemeral: true });
const answer = (reply: Reply): Outcome => ({ type: 'answer', reply });
const queueUnavailable = () =>
  new UserError('queue_unavailable', 'the job queue is unavailable (Redis does not answer); nothing was queued, try again in a minute');
/** What a user is told when an answer that changes something timed out: the write may still land. */
const LATE_CHANGE = 'the change may still go through once Redis answers; "lock status" shows where things stand';

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const now = deps.now ?? (() => new Date());
  const defaultEnv = deps.defaultEnv ?? 'production';
  const storeTimeoutMs = deps.storeTimeoutMs ?? STORE_TIMEOUT_MS;
  const failure = (err: unknown, what: string, consequence: string, corr?: string): Reply => {
    if (isUserError(err)) return errorReply(`${what}: ${err.code.replace(/_/g, ' ')}`, err.message);
    // The command's correlation id when there is one: the same id is in its audit record and the log.
    const ref = corr ?? randomUUID().slice(0, 8);
    deps.log.error('dispatch failed', { corr: ref, err });
    return errorReply(`${what}: internal error`, `voxoz hit an internal error (ref ${ref}); ${consequence}`);
  };
  const actionContext = (user: Invocation['user'], action: keyof typeof actions, reason?: string): ActionContext => ({
    user,
    queue: deps.queue,
    decide: (job) => deps.policy.authorizeAction(user, action, job),
    ...(deps.approvals ? { approvals: deps.approvals } : {}),
    ...(reason ? { reason } : {}),
  });

  /**
   * A job that changes an app environment someone locked is refused before it is queued or an
   * approver is asked for it (an approved one would only be refused when it starts). Throws when
   * Redis is away or slow: the same answer the enqueue would give, so the user hears one story.
   */
  const lockRefusal = async (command: CommandSpec, args: ParsedArgs, env: string): Promise<Outcome | undefined> => {
    if (command.run.kind !== 'job' || !processors[command.run.job].mutates || typeof args.app !== 'string') return undefined;
    // A dry run changes nothing: a lock does not refuse it (its plan says the app is locked).
    if (args['dry-run'] === true) return undefined;
    const check = deps.locks.get(args.app, env).catch((err: unknown) => {
      deps.log.warn('lock check failed; nothing was queued', { err });
      throw queueUnavailable();
    });
    const lock = await withDeadline(check, storeTimeoutMs, queueUnavailable);
    return lock ? answer(errorReply(`${command.name} ${args.app}: locked`, lockedError(lock).message)) : undefined;
  };

  /** Everything after the policy allowed the command. Throws; `handle` turns that into an answer. */
  const run = async (inv: Invocation, command: CommandSpec, args: ParsedArgs, config: LoadedConfig): Promise<Outcome> => {
    const env = commandEnv(command, args, defaultEnv);
    const how = command.run;
    if (how.kind === 'answer') {
      const stores = { releases: deps.releases, jobs: deps.queue, locks: deps.locks, audit: deps.audit, approvals: deps.approvals };
      const ctx = {
        commands: deps.registry.commands,
        apps: config.apps,
        botName: config.chat.botName,
        user: inv.user,
        defaultEnv,
        now: now(),
        schedules: config.schedules,
        shownAs: (id: string) => shownAs(config, id),
        stores,
      };
      const late = command.sideEffects === 'none' || command.sideEffects.startsWith('none ') ? 'try again in a minute' : LATE_CHANGE;
      return answer(
        await withDeadline(Promise.resolve(how.answer(args, ctx)), storeTimeoutMs, () => storeUnavailable(storeTimeoutMs, late)),
      );
    }
    if (how.kind === 'action') {
      const reason = typeof args.reason === 'string' ? args.reason : undefined;
      return answer(await actions[how.action](String(args[how.value]), actionContext(inv.user, how.action, reason)));
    }
    const locked = await lockRefusal(command, args, env);
    if (locked) return locked;
    const data = jobData(inv, command, how.job, args, env);
    const queued = await deps.queue.enqueue(data);
    return {
      type: 'queued',
      jobId: data.id,
      duplicate: queued === 'duplicate',
      reply: {
        title: `${data.command}: queued`,
        status: 'queued',
        text: `Job ${data.id} is queued; progress follows in the thread.`,
        ephemeral: true,
      },
    };
  };

  const audit = auditWriter(deps.audit, deps.config, deps.log);
  const recordCommand = async (inv: Invocation, outcome: Outcome) => {
    const parsed = parseCommand(inv.text, deps.registry, { appNames: deps.config().apps.map((a) => a.name) });
    const app = parsed.ok && typeof parsed.args.app === 'string' ? parsed.args.app : undefined;
    const env = parsed.ok
      ? auditEnv(parsed.command.name, app, typeof parsed.args.env === 'string', commandEnv(parsed.command, parsed.args, defaultEnv))
      : undefined;
    const { type, result } = resultOf(outcome.reply, outcome.type === 'queued' ? outcome.jobId : undefined);
    await audit(inv.user, `${inv.platform}:${inv.conversation}`, {
      type,
      what: inv.text,
      result,
      ...(app ? { app } : {}),
      ...(env ? { env } : {}),
      ...(outcome.type === 'queued' ? { job: outcome.jobId } : {}),
      ...(inv.id ? { corr: inv.id } : {}),
    });
  };
  const handle = async (inv: Invocation): Promise<Outcome> => {
    const config = deps.config();
    const parsed = parseCommand(inv.text, deps.registry, { appNames: config.apps.map((a) => a.name) });
    if (!parsed.ok) {
      const usage = parsed.usage ? `\nUsage: ${config.chat.botName} ${parsed.usage}` : '';
      const title = parsed.command
        ? `${parsed.command.name}: invalid arguments`
        : parsed.unreadable
          ? 'could not read the command'
          : 'unknown command';
      return answer(errorReply(title, `${parsed.problems.map((p) => `• ${p}`).join('\n')}${usage}`));
    }
    const { command, args } = parsed;
    const envProblem = unknownEnvironment(config, command, args);
    if (envProblem) return answer(errorReply(`${command.name}: unknown environment`, envProblem));
    const against = command.refuse?.(args, config);
    if (against) return answer(errorReply(`${command.name}: ${against.title}`, `${against.problem}. Nothing was queued.`));
    const what = commandLine(command, args);
    const consequence = command.run.kind === 'job' ? 'nothing was queued.' : 'nothing was changed.';
    try {
      const where = { platform: inv.platform, conversation: inv.conversation, env: commandEnv(command, args, defaultEnv) };
      const decision = await deps.policy.authorize(inv.user, command, args, where);
      if (decision.type === 'needs-approval' && deps.approvals)
        return (
          (await lockRefusal(command, args, where.env)) ??
          answer(await deps.approvals.request(inv, command, args, where.env, decision.policy))
        );
      const refused = decisionRefusal(command.name, decision);
      if (refused) return answer(refused);
      return await run(inv, command, args, config);
    } catch (err) {
      return answer(failure(err, what, consequence, inv.id));
    }
  };

  const interact = async (interaction: Interaction): Promise<Reply> => {
    // A click is claimed under its own id while it acts: a concurrent delivery of the same
    // click is told it is in progress, a redelivery after success "already handled", and a
    // click whose action failed is released, so trying again acts.
    let claim: DeliveryClaim;
    try {
      claim = await deps.queue.claimDelivery(interaction.platform, interaction.deliveryId);
    } catch (err) {
      return failure(err, interaction.action, 'nothing was changed.');
    }
    if (claim.state === 'done')
      return {
        title: 'already handled',
        status: 'info',
        text: 'That click was already received; it is handled once.',
        ephemeral: true,
        duplicate: true,
      };
    if (claim.state === 'in-flight')
      return {
        title: 'in progress',
        status: 'info',
        text: 'That click is being handled right now; it is handled once.',
        ephemeral: true,
        duplicate: true,
      };
    const { settle } = claim;
    let reply: Reply;
    try {
      const { action, value, user, reason } = interaction;
      reply = isActionName(action)
        ? await actions[action](value, actionContext(user, action, reason))
        : errorReply('unknown button', `voxoz has no button "${action}"; it may be from an older version`);
    } catch (err) {
      await settle(false).catch((e: unknown) => deps.log.warn('click claim not released; it frees itself shortly', { err: e }));
      return failure(err, interaction.action, 'nothing was changed.');
    }
    // Acted: remember it. If that write fails, a redelivery may act again; every action is idempotent.
    await settle(true).catch((e: unknown) => deps.log.warn('click not marked handled', { err: e }));
    return reply;
  };

  return {
    now,
    async runApproved(text, user, where) {
      const config = deps.config();
      const parsed = parseCommand(text, deps.registry, { appNames: config.apps.map((a) => a.name) });
      if (!parsed.ok) return errorReply('approved command no longer parses', parsed.problems.join('; '));
      const inv: Invocation = { platform: where.platform, user, conversation: where.conversation, text, receivedAt: now() };
      try {
        const outcome = await run(inv, parsed.command, parsed.args, config);
        return outcome.reply;
      } catch (err) {
        return failure(err, text, 'nothing was changed.');
      }
    },
    async handle(given) {
      const inv = { ...given, id: commandId(given) };
      const outcome = await handle(inv);
      await recordCommand(inv, outcome);
      return outcome;
    },
    async interact(interaction) {
      const reply = await interact(interaction);
      await audit(interaction.user, `${interaction.platform}:${interaction.conversation}`, {
        type: 'click',
        what: `${interaction.action} ${interaction.value}${interaction.reason ? ` (reason: ${interaction.reason})` : ''}`,
        result: `${reply.status}: ${reply.title}${reply.status === 'error' && reply.text ? ` (${reply.text})` : ''}`,
      });
      return reply;
    },
  };
}
