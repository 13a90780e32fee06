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
 * The queued job for a parsed command. A platform delivery id becomes the job id, so a
 * redelivered command queues once; otherwise the id is random.
 */
export function jobData(inv: Invocation, command: CommandSpec, kind: JobKind, args: ParsedArgs, env: string): JobData {
  const thread: ThreadRef = { platform: inv.platform, conversation: inv.conversation, ...(inv.meta ? { meta: inv.meta } : {}) };
  return {
    id: inv.deliveryId ? `${inv.platform}-${inv.deliveryId}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 120) : randomUUID(),
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
