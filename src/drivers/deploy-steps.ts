/**
 * The step boundaries of a deploy, in order. docs/decisions/2026-12-02-crash-recovery.md says, for each,
 * what happens when the worker dies there; `VOXOZ_CRASH_AT` (a test hook) names one of them.
 */
export const DEPLOY_STEPS = ['build', 'create', 'start', 'health-wait', 'switch', 'drain', 'retire', 'ledger-write'] as const;

export type DeployStep = (typeof DEPLOY_STEPS)[number];
