import type { ChatUser, JobData } from '../core/types.ts';
import type { CommandSpec, ParsedArgs } from './command-spec.ts';

/**
 * Who may do what. Returns undefined to allow, or the refusal to show. Roles and approvals
 * plug in here; until they exist everyone may run every command, and only a job's requester
 * may cancel it.
 */
export interface Policy {
  authorize(user: ChatUser, command: CommandSpec, args: ParsedArgs): string | undefined;
  mayCancel(user: ChatUser, job: JobData): string | undefined;
}

export const requesterPolicy: Policy = {
  authorize: () => undefined,
  mayCancel: (user, job) =>
    user.id === job.requestedBy.id ? undefined : `only ${job.requestedBy.name}, who started "${job.command}", may cancel it`,
};
