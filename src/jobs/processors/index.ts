import { burstProcessor } from './burst.ts';
import { deployProcessor } from './deploy.ts';
import { logsProcessor } from './logs.ts';
import type { JobProcessor } from './processor.ts';
import { promoteProcessor } from './promote.ts';
import { restartProcessor } from './restart.ts';
import { rollbackProcessor } from './rollback.ts';
import { scaleProcessor } from './scale.ts';
import { statusProcessor } from './status.ts';
import { summaryProcessor } from './summary.ts';

/**
 * Every job kind a worker can run, and the processor that runs it: the one list. `JobKind` is
 * derived from it, a command spec names one of its keys (`run: { kind: 'job', job }`), and the
 * composition root and the test harness hand this same object to the workers. Adding a verb
 * that runs as a job = one command file + one processor + one line here and one in
 * commands/index.ts.
 */
export const processors = {
  deploy: deployProcessor,
  status: statusProcessor,
  rollback: rollbackProcessor,
  restart: restartProcessor,
  scale: scaleProcessor,
  burst: burstProcessor,
  promote: promoteProcessor,
  logs: logsProcessor,
  summary: summaryProcessor,
} as const satisfies Record<string, JobProcessor>;

/** The kinds of job there are: the keys of `processors`. */
export type JobKind = keyof typeof processors;

/** True when `kind` names a processor here (a job queued by another voxoz version may not). */
export function isJobKind(kind: string): kind is JobKind {
  return Object.hasOwn(processors, kind);
}
