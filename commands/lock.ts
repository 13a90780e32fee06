import type { Reply } from '../src/core/types.ts';
import type { AnswerContext, CommandSpec, ParsedArgs } from '../src/dispatch/command-spec.ts';
import { utcMinute } from '../src/dispatch/utc-minute.ts';
import { lockedError } from '../src/jobs/processors/refuse-if-locked.ts';
import type { UserLock } from '../src/store/lock-store.ts';

const envOption = { name: 'env', type: 'env', summary: 'environment (default: production)' } as const;
const envOf = (args: ParsedArgs, ctx: AnswerContext) => (typeof args.env === 'string' ? args.env : ctx.defaultEnv);

/** One line per held lock: "hello (production): locked by alice since …: reason". */
export function describeLocks(locks: ReadonlyArray<UserLock>, scope: string): Reply {
  if (locks.length === 0) return { title: `locks (${scope}): none`, status: 'info', text: 'Nothing is locked.', ephemeral: true };
  const lines = locks.map(
    (l) => `${l.app} (${l.env}): locked by ${l.by.name} since ${utcMinute(l.since)}${l.reason ? `: ${l.reason}` : ''}`,
  );
  return { title: `locks (${scope}): ${locks.length} held`, status: 'info', text: lines.join('\n'), ephemeral: true };
}

async function status(args: ParsedArgs, ctx: AnswerContext): Promise<Reply> {
  const all = await ctx.stores.locks.list();
  const app = typeof args.app === 'string' ? args.app : undefined;
  const env = typeof args.env === 'string' ? args.env : undefined;
  const shown = all.filter((l) => (!app || l.app === app) && (!env || l.env === env));
  return describeLocks(shown, [app ?? 'all apps', env].filter(Boolean).join(', '));
}

export const lockStatus: CommandSpec = {
  name: 'lock status',
  summary: 'Show who holds which lock, since when and why',
  args: [{ name: 'app', type: 'app', summary: 'only this app (default: all)' }],
  options: [{ ...envOption, summary: 'only this environment (default: all)' }],
  examples: ['lock status', 'lock status hello'],
  sideEffects: 'none',
  run: { kind: 'answer', answer: status },
};

async function lock(args: ParsedArgs, ctx: AnswerContext): Promise<Reply> {
  if (typeof args.app !== 'string') return status(args, ctx);
  const env = envOf(args, ctx);
  const wanted: UserLock = { app: args.app, env, by: ctx.user, since: ctx.now.toISOString() };
  if (typeof args.reason === 'string') wanted.reason = args.reason;
  const taken = await ctx.stores.locks.lock(wanted);
  if (taken.result === 'held') {
    const mine = taken.lock.by.id === ctx.user.id;
    return {
      title: `lock ${args.app}: already locked`,
      status: mine ? 'info' : 'error',
      text: `${lockedError(taken.lock).message.replace('Nothing was changed; ', mine ? 'You hold it; ' : '')}`,
      ephemeral: true,
    };
  }
  return {
    title: `${args.app} (${env}) locked by ${ctx.user.name}`,
    status: 'info',
    text: `${wanted.reason ? `Reason: ${wanted.reason}. ` : ''}Deploys of ${args.app} (${env}) are refused until someone runs "unlock ${args.app}${env === ctx.defaultEnv ? '' : ` --env ${env}`}"; jobs already queued for it are refused when they start.`,
  };
}

export const lockCommand: CommandSpec = {
  name: 'lock',
  summary: 'Lock an app so that nobody deploys it (or, with no app, show the locks)',
  args: [
    { name: 'app', type: 'app', summary: 'the app to lock (none: show the locks, as "lock status" does)' },
    { name: 'reason', type: 'text', rest: true, summary: 'why, shown to whoever is refused' },
  ],
  options: [envOption],
  subcommands: [lockStatus],
  examples: ['lock hello release freeze until Monday', 'lock web --env staging QA in progress', 'lock'],
  sideEffects: 'deploys of the app+env are refused until it is unlocked, also ones already queued',
  // Showing the locks (no app) only reads.
  role: (args) => (typeof args.app === 'string' ? 'deployer' : 'viewer'),
  run: { kind: 'answer', answer: lock },
};
