import { randomUUID } from 'node:crypto';
import type { Invocation, JobData, ThreadRef } from '../core/types.ts';
import type { JobKind } from '../jobs/processors/index.ts';
import type { CommandSpec, ParsedArgs } from './command-spec.ts';

/** The command as the parent message and errors name it: `deploy hello main`, `promote hello staging production`. */
export function commandLine(command: CommandSpec, args: ParsedArgs): string {
  const envs = command.args.filter((a) => a.type === 'env' && typeof args[a.name] === 'string').map((a) => ` ${args[a.name]}`);
  return `${command.name}${typeof args.app === 'string' ? ` ${args.app}` : ''}${typeof args.ref === 'string' ? ` ${args.ref}` : ''}${envs.join('')}`;
}

/**
 * A command's correlation id: the one it was given, else made of the platform's delivery id (so
 * a redelivered command has the same one and queues once), else random.
 */
export function commandId(inv: Invocation): string {
  if (inv.id) return inv.id;
  return inv.deliveryId ? `${inv.platform}-${inv.deliveryId}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 120) : randomUUID();
}

/** The queued job for a parsed command; its id is the command's correlation id. */
export function jobData(inv: Invocation, command: CommandSpec, kind: JobKind, args: ParsedArgs, env: string): JobData {
  const thread: ThreadRef = { platform: inv.platform, conversation: inv.conversation, ...(inv.meta ? { meta: inv.meta } : {}) };
  return {
    id: commandId(inv),
    kind,
    command: commandLine(command, args),
    app: typeof args.app === 'string' ? args.app : undefined,
    env,
    args,
    requestedBy: inv.user,
    thread,
    requestedAt: inv.receivedAt.toISOString(),
  };
}
