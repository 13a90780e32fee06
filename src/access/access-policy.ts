import type { Role } from '../config/access-schema.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import type { ChatUser } from '../core/types.ts';
import type { CommandSpec, ParsedArgs } from '../dispatch/command-spec.ts';
import { allow, deny, needsApproval } from '../dispatch/decision.ts';
import type { Policy, Where } from '../dispatch/policy.ts';
import { processors } from '../jobs/processors/index.ts';
import type { LockStore } from '../store/lock-store.ts';
import { approvalRuleFor } from './approval-rules.ts';
import { globMatches, holds, personOf, rolesOf } from './grants.ts';

/** The role a command needs: its own `role`, else deployer for a job that changes things (not a dry run), else viewer. */
export function roleFor(command: CommandSpec, args: ParsedArgs): Role {
  if (args['dry-run'] === true) return 'viewer';
  if (typeof command.role === 'function') return command.role(args);
  if (command.role) return command.role;
  return command.run.kind === 'job' && processors[command.run.job].mutates ? 'deployer' : 'viewer';
}

const ADD_YOURSELF = 'ask an admin to add you under access: in voxoz.yml';

/** "you need deployer on hello/production; …" with who the id is (or is not) in voxoz.yml. */
export function missingGrant(config: LoadedConfig, user: ChatUser, role: Role, scope: string): string {
  const person = personOf(config, user.id);
  const who = person ? '' : ` (${user.id} is not listed under people: either)`;
  return `you need ${role} on ${scope}; ${ADD_YOURSELF}${who}`;
}

/** Whether a command that changes `app` may come from this channel (`apps[].channels`, a second factor besides roles). */
function channelRefusal(config: LoadedConfig, app: string, where: Where): string | undefined {
  const channels = config.apps.find((a) => a.name === app)?.channels;
  if (!channels) return undefined;
  const here = `${where.platform}:${where.conversation}`;
  if (channels.some((c) => c === here || c === `${where.platform}:*` || globMatches(c, here))) return undefined;
  return `${app} takes commands that change it only in ${channels.join(', ')}; this is ${here}`;
}

/**
 * The rules of voxoz.yml's `people`, `groups`, `access` and `approvals`: default deny for
 * anything that changes something, read-only commands as `access.readers` says, the app's
 * channels as a second factor, then the approval rules. Decisions key on platform ids only.
 */
export function createAccessPolicy(deps: { config: () => LoadedConfig; locks: Pick<LockStore, 'get'> }): Policy {
  return {
    async authorize(user, command, args, where) {
      const config = deps.config();
      const app = typeof args.app === 'string' ? args.app : undefined;
      const role = roleFor(command, args);
      const scope = app ? `${app}/${where.env}` : 'any app';
      if (role === 'viewer') {
        if (config.access.readers === 'anyone') return allow;
        return holds(rolesOf(config, user.id, app), 'viewer')
          ? allow
          : deny(`${missingGrant(config, user, 'viewer', app ?? 'any app')} (access.readers is "granted")`);
      }
      if (!holds(rolesOf(config, user.id, app, app ? where.env : undefined), role)) return deny(missingGrant(config, user, role, scope));
      const wrongChannel = app ? channelRefusal(config, app, where) : undefined;
      if (wrongChannel) return deny(wrongChannel);
      const rule = app ? await approvalRuleFor(config, command, args, app, where.env, user, deps.locks) : undefined;
      return rule ? needsApproval(rule) : allow;
    },
    async authorizeAction(user, action, job) {
      const config = deps.config();
      const scope = `${job.app ?? 'any app'}/${job.env}`;
      const roles = rolesOf(config, user.id, job.app, job.env);
      if (action === 'cancel')
        return user.id === job.requestedBy.id || holds(roles, 'admin')
          ? allow
          : deny(`only ${job.requestedBy.name}, who started "${job.command}", or an admin of ${scope} may cancel it`);
      if (action === 'reject' && user.id === job.requestedBy.id) return allow; // withdrawing one's own request
      if (user.id === job.requestedBy.id)
        return deny(`you asked for "${job.command}"; someone else with approver on ${scope} must approve it`);
      return holds(roles, 'approver') ? allow : deny(missingGrant(config, user, 'approver', scope));
    },
  };
}
