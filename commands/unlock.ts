import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { utcMinute } from '../src/dispatch/utc-minute.ts';

export const unlock: CommandSpec = {
  name: 'unlock',
  summary: 'Lift the lock on an app (deployers may; lifting someone else’s is recorded, said here, and can be made to need approval)',
  args: [{ name: 'app', type: 'app', required: true, summary: 'the app to unlock' }],
  options: [{ name: 'env', type: 'env', summary: 'environment (default: production)' }],
  examples: ['unlock hello', 'unlock web --env staging'],
  sideEffects: 'deploys of the app+env are accepted again',
  role: 'deployer',
  run: {
    kind: 'answer',
    answer: async (args, ctx) => {
      const app = String(args.app);
      const env = typeof args.env === 'string' ? args.env : ctx.defaultEnv;
      const removed = await ctx.stores.locks.unlock(app, env, ctx.user, ctx.now.toISOString());
      if (!removed) return { title: `unlock ${app}: not locked`, status: 'info', text: `${app} (${env}) is not locked.`, ephemeral: true };
      const held = `since ${utcMinute(removed.since)}${removed.reason ? `: ${removed.reason}` : ''}`;
      const someoneElse = removed.by.id !== ctx.user.id;
      return {
        title: `${app} (${env}) unlocked by ${ctx.user.name}`,
        status: 'info',
        text: someoneElse
          ? `${ctx.user.name} removed ${removed.by.name}'s lock (${held}); this is recorded. Deploys are accepted again.`
          : `Your lock (${held}) is removed; deploys are accepted again.`,
      };
    },
  },
};
