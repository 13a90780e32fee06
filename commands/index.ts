import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { approvals } from './approvals.ts';
import { approve } from './approve.ts';
import { audit } from './audit.ts';
import { burst } from './burst.ts';
import { cancel } from './cancel.ts';
import { deploy } from './deploy.ts';
import { help } from './help.ts';
import { jobs } from './jobs.ts';
import { logs } from './logs.ts';
import { lockCommand } from './lock.ts';
import { promote } from './promote.ts';
import { reject } from './reject.ts';
import { releases } from './releases.ts';
import { restart } from './restart.ts';
import { rollback } from './rollback.ts';
import { scale } from './scale.ts';
import { schedule } from './schedule.ts';
import { status } from './status.ts';
import { unlock } from './unlock.ts';
import { workers } from './workers.ts';

/** Every chat command, in the order help lists them. A verb or alias collision fails at start-up (createRegistry). */
export const commands: ReadonlyArray<CommandSpec> = [
  deploy,
  scale,
  burst,
  status,
  releases,
  rollback,
  restart,
  promote,
  logs,
  jobs,
  workers,
  cancel,
  approvals,
  approve,
  reject,
  lockCommand,
  unlock,
  schedule,
  audit,
  help,
];
