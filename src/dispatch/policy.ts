import type { ChatUser, JobData } from '../core/types.ts';
import type { ActionName } from './actions.ts';
import type { CommandSpec, ParsedArgs } from './command-spec.ts';
import { allow, type Decision, deny } from './decision.ts';

/** Where a command came from and the environment it acts on. */
export interface Where {
  platform: string;
  conversation: string;
  env: string;
}

/**
 * Who may do what, decided before anything is queued or changed (asynchronous: rules may read
 * stores). voxoz's own is src/access/access-policy.ts (roles, channels, approval rules).
 */
export interface Policy {
  authorize(user: ChatUser, command: CommandSpec, args: ParsedArgs, where: Where): Promise<Decision>;
  /** A button press or the command that names the same action (`cancel <job>`); for approve/reject, `job` is the job the approval would run. */
  authorizeAction(user: ChatUser, action: ActionName, job: JobData): Promise<Decision>;
}

/** For tests of other parts only: everyone may run every command, and only a job's requester may act on it. */
export const requesterPolicy: Policy = {
  authorize: async () => allow,
  authorizeAction: async (user, action, job) =>
    user.id === job.requestedBy.id ? allow : deny(`only ${job.requestedBy.name}, who started "${job.command}", may ${action} it`),
};
