import type { LoadedConfig } from '../config/load-config.ts';
import type { ChatUser } from '../core/types.ts';
import type { CommandSpec, ParsedArgs } from '../dispatch/command-spec.ts';
import type { LockStore } from '../store/lock-store.ts';
import { globMatches } from './grants.ts';

/**
 * The approval rule (named as the decision's policy, e.g. "rollback" or "scale above 5") that
 * makes this command wait for an approver, or undefined. `scale … above N` applies when the
 * new count passes N; `unlock … othersLock` when someone else holds the lock.
 */
export async function approvalRuleFor(
  config: LoadedConfig,
  command: CommandSpec,
  args: ParsedArgs,
  app: string,
  env: string,
  user: ChatUser,
  locks: Pick<LockStore, 'get'>,
): Promise<string | undefined> {
  for (const rule of config.approvals.rules) {
    if (rule.verb !== command.name) continue;
    if (!rule.apps.some((a) => globMatches(a, app)) || !rule.envs.some((e) => globMatches(e, env))) continue;
    if (rule.above !== undefined && typeof args.replicas === 'number' && args.replicas <= rule.above) continue;
    if (rule.othersLock) {
      const lock = await locks.get(app, env);
      if (!lock || lock.by.id === user.id) continue;
    }
    const bound = rule.above !== undefined ? ` above ${rule.above}` : rule.othersLock ? " of someone else's lock" : '';
    const everywhere = rule.apps.join() === '*' && rule.envs.join() === '*';
    return `${rule.verb}${bound}${everywhere ? '' : ` on ${rule.apps.join(',')}/${rule.envs.join(',')}`}`;
  }
  return undefined;
}
