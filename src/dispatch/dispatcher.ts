import { randomUUID } from 'node:crypto';
import type { LoadedConfig } from '../config/load-config.ts';
import { hasEnvironment } from '../config/schema.ts';
import type { Interaction, Invocation, JobData, Reply, ThreadRef } from '../core/types.ts';
import { isUserError } from '../core/user-error.ts';
import type { DeliveryClaim } from '../jobs/claim-delivery.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../observability/logger.ts';
import type { CommandRegistry } from './command-registry.ts';
import { parseCommand } from './parse-command.ts';
import type { Policy } from './policy.ts';

/** What the adapter does next: show an answer, or tell the user the job is queued (its thread follows). */
export type Outcome = { type: 'answer'; reply: Reply } | { type: 'queued'; jobId: string; duplicate: boolean; reply: Reply };

export interface Dispatcher {
  /** verify (adapter) → parse → authorise → enqueue; never throws: every failure becomes an answer. */
  handle(invocation: Invocation): Promise<Outcome>;
  /** A button press: authorise and act (Cancel now; Approve/Reject later). */
  interact(interaction: Interaction): Promise<Reply>;
}

export interface DispatcherDeps {
  registry: CommandRegistry;
  config: () => LoadedConfig;
  queue: JobQueue;
  policy: Policy;
  log: Logger;
  /** Environment used when a command names none. @defaultValue "production" */
  defaultEnv?: string;
}

/** The problem with `--env` for the named app, if it is not one of the app's own environments. */
function unknownEnvironment(config: LoadedConfig, args: Record<string, unknown>): string | undefined {
  const app = config.apps.find((a) => a.name === args.app);
  if (!app || typeof args.env !== 'string' || hasEnvironment(app, args.env)) return undefined;
  return `${app.name} has no environment "${args.env}" (it has: ${Object.keys(app.environments).join(', ')}); add it under apps[].environments in voxoz.yml`;
}

const errorReply = (title: string, text: string): Reply => ({ title, status: 'error', text, ephemeral: true });

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const failure = (err: unknown, what: string, consequence: string): Reply => {
    if (isUserError(err)) return errorReply(`${what}: ${err.code.replace(/_/g, ' ')}`, err.message);
    const ref = randomUUID().slice(0, 8);
    deps.log.error('dispatch failed', { ref, err });
    return errorReply(`${what}: internal error`, `voxoz hit an internal error (ref ${ref}); ${consequence}`);
  };
  return {
    async handle(inv) {
      const config = deps.config();
      const parsed = parseCommand(inv.text, deps.registry, { appNames: config.apps.map((a) => a.name) });
      if (!parsed.ok) {
        const usage = parsed.usage ? `\nUsage: ${config.chat.botName} ${parsed.usage}` : '';
        return {
          type: 'answer',
          reply: errorReply(
            parsed.command ? `${parsed.command.name}: invalid arguments` : 'unknown command',
            `${parsed.problems.map((p) => `• ${p}`).join('\n')}${usage}`,
          ),
        };
      }
      const { command, args } = parsed;
      const envProblem = unknownEnvironment(config, args);
      if (envProblem) return { type: 'answer', reply: errorReply(`${command.name}: unknown environment`, envProblem) };
      const refusal = deps.policy.authorize(inv.user, command, args);
      if (refusal) return { type: 'answer', reply: errorReply(`${command.name}: not allowed`, refusal) };
      if (command.run.kind === 'answer') {
        return {
          type: 'answer',
          reply: command.run.answer(args, { commands: deps.registry.commands, apps: config.apps, botName: config.chat.botName }),
        };
      }
      const thread: ThreadRef = { platform: inv.platform, conversation: inv.conversation, ...(inv.meta ? { meta: inv.meta } : {}) };
      const data: JobData = {
        id: inv.deliveryId ? `${inv.platform}-${inv.deliveryId}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 120) : randomUUID(),
        kind: command.run.job,
        command: `${command.name}${typeof args.app === 'string' ? ` ${args.app}` : ''}${typeof args.ref === 'string' ? ` ${args.ref}` : ''}`,
        app: typeof args.app === 'string' ? args.app : undefined,
        env: typeof args.env === 'string' ? args.env : (deps.defaultEnv ?? 'production'),
        args,
        requestedBy: inv.user,
        thread,
        requestedAt: inv.receivedAt.toISOString(),
      };
      try {
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
      } catch (err) {
        return { type: 'answer', reply: failure(err, data.command, 'nothing was queued.') };
      }
    },
    async interact(interaction) {
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
        return { title: 'already handled', status: 'info', text: 'That click was already received; it is handled once.', ephemeral: true };
      if (claim.state === 'in-flight')
        return {
          title: 'in progress',
          status: 'info',
          text: 'That click is being handled right now; it is handled once.',
          ephemeral: true,
        };
      const { settle } = claim;
      const act = async (): Promise<Reply> => {
        if (interaction.action !== 'cancel')
          return errorReply('unknown button', `voxoz has no button "${interaction.action}"; it may be from an older version`);
        const job = await deps.queue.get(interaction.value);
        if (!job) return errorReply('cancel: unknown job', `there is no job ${interaction.value}; it may have expired`);
        const refusal = deps.policy.mayCancel(interaction.user, job);
        if (refusal) return errorReply('cancel: not allowed', refusal);
        const result = await deps.queue.cancel(job.id, interaction.user);
        const text = {
          removed: 'removed from the queue',
          signalled: 'stopping; what it started is being removed',
          finished: 'already finished; nothing to cancel',
          unknown: 'no longer in the queue',
        }[result];
        return {
          title: `${job.command}: ${result === 'finished' ? 'not cancelled' : 'cancelling'}`,
          status: 'info',
          text: `Job ${job.id} ${text}.`,
          ephemeral: true,
        };
      };
      let reply: Reply;
      try {
        reply = await act();
      } catch (err) {
        await settle(false).catch((e: unknown) => deps.log.warn('click claim not released; it frees itself shortly', { err: e }));
        return failure(err, interaction.action, 'nothing was changed.');
      }
      // Acted: remember it. If that write fails, a redelivery may act again; every action is idempotent.
      await settle(true).catch((e: unknown) => deps.log.warn('click not marked handled', { err: e }));
      return reply;
    },
  };
}
