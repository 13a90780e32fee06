import { UserError } from '../core/user-error.ts';
import type { CommandSpec, ParsedArgs } from '../dispatch/command-spec.ts';
import { commandLine } from '../dispatch/job-data.ts';
import { parseReleaseNumber, releaseWordsProblem, rollbackTargets, unavailableTarget } from '../jobs/processors/rollback-targets.ts';
import type { ReleaseReader } from '../store/release-store.ts';

/** The number of the release that serves app+env now (the newest that went live), if any. */
export async function liveRelease(releases: ReleaseReader, app: string, env: string): Promise<number | undefined> {
  const live = (await releases.list(app, env)).filter((r) => r.outcome === 'live').sort((a, b) => b.number - a.number);
  return live[0]?.number;
}

/**
 * What an approval names and binds to: the live release now, and for a rollback the exact
 * target (the default one resolved now, so an approver approves what they read:
 * `rollback hello/production from v7 to v5`). A target that cannot be rolled back to is refused
 * before anyone is asked.
 */
export async function fixTarget(
  releases: ReleaseReader,
  command: CommandSpec,
  args: ParsedArgs,
  spec: { name: string; keepImages: number },
  env: string,
  text: string,
) {
  const app = spec.name;
  const bound = await liveRelease(releases, app, env);
  if (command.name !== 'rollback') return { args, summary: `${commandLine(command, args)} (${app}/${env})`, text, bound };
  const all = await releases.list(app, env);
  const targets = rollbackTargets(all, (await releases.pruned?.(app, env)) ?? new Set<string>());
  const words = typeof args.target === 'string' ? args.target : '';
  // The parse refuses words that name no release; a request must never fall back to the default.
  const badWords = words ? releaseWordsProblem(words) : undefined;
  if (badWords) throw new UserError('bad_release', `${badWords}. Nothing was asked for.`);
  const wanted = words ? parseReleaseNumber(words) : undefined;
  const to = wanted === undefined ? targets[0] : targets.find((r) => r.number === wanted);
  if (!to)
    throw new UserError('rollback_target_unavailable', `${unavailableTarget(spec, env, all, targets, wanted)}. Nothing was asked for.`);
  const fixed = { ...args, target: `v${to.number}` };
  return {
    args: fixed,
    summary: `rollback ${app}/${env} from ${bound ? `v${bound}` : 'nothing live'} to v${to.number}`,
    text: `rollback ${app} v${to.number} --env ${env}`,
    bound,
  };
}
