import type { DeployStep } from '../drivers/deploy-steps.ts';

/**
 * The fault-injection point of the kill -9 tests: the deploy path calls the returned function
 * at each step boundary (`DriverIO.checkpoint`), and when the step is `crashAt` (from
 * `VOXOZ_CRASH_AT`, read once at start) the process SIGKILLs itself there, as an OOM kill or
 * a pulled plug would: no handler, no cleanup, no last write. Unset: does nothing.
 */
export function crashPoint(crashAt: DeployStep | undefined): (step: DeployStep) => void {
  if (crashAt === undefined) return () => undefined;
  return (step) => {
    if (step === crashAt) process.kill(process.pid, 'SIGKILL');
  };
}
