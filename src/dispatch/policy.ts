import type { ChatUser, JobData } from '../core/types.ts';
import type { ActionName } from './actions.ts';
import type { CommandSpec, ParsedArgs } from './command-spec.ts';
import { allow, type Decision, deny } from './decision.ts';

/**
 * Who may do what, decided before anything is queued or changed (asynchronous: roles and
 * approval rules may live in a store). Roles and approvals plug in here; until they exist
 * everyone may run every command, and only a job's requester may act on it (cancel).
 */
export interface Policy {
  authorize(user: ChatUser, command: CommandSpec, args: ParsedArgs): Promise<Decision>;
  /** A button press or the command that names the same action (`cancel <job>`). */
  authorizeAction(user: ChatUser, action: ActionName, job: JobData): Promise<Decision>;
}

export const requesterPolicy: Policy = {
  authorize: async () => allow,
  authorizeAction: async (user, action, job) =>
    user.id === job.requestedBy.id ? allow : deny(`only ${job.requestedBy.name}, who started "${job.command}", may ${action} it`),
};
