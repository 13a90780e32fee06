import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { DEFAULT_LOG_TAIL, MAX_FOLLOW_SECONDS, MAX_LOG_TAIL } from '../src/jobs/processors/logs.ts';
import { MAX_REPLICAS } from '../src/jobs/processors/scale.ts';

export const logs: CommandSpec = {
  name: 'logs',
  summary: "Show what an app's running replicas wrote (stdout and stderr), in the thread and as a file",
  args: [{ name: 'app', type: 'app', required: true, summary: 'the app whose logs to show' }],
  options: [
    { name: 'env', type: 'env', summary: 'environment (default: production)' },
    {
      name: 'tail',
      type: 'int',
      min: 1,
      max: MAX_LOG_TAIL,
      summary: `lines per replica, the newest (1..${MAX_LOG_TAIL}; default ${DEFAULT_LOG_TAIL})`,
    },
    { name: 'since', type: 'duration', summary: 'only lines newer than this: 90s, 10m, 2h, 1d (at most 30d)' },
    { name: 'replica', type: 'int', min: 0, max: MAX_REPLICAS - 1, summary: 'only this replica, by index (0, 1, …; "status" shows them)' },
    {
      name: 'follow',
      type: 'duration',
      max: MAX_FOLLOW_SECONDS,
      summary: `then the new lines as they come, for this long: 30s, 5m (at most ${MAX_FOLLOW_SECONDS / 60}m; Cancel ends it sooner)`,
    },
  ],
  examples: ['logs hello', 'logs hello --tail 20 --since 10m', 'logs web --replica 1 --env staging', 'logs hello --tail 5 --follow 2m'],
  sideEffects: 'none (reads container logs)',
  run: { kind: 'job', job: 'logs' },
};
