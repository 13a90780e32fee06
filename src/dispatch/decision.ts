/**
 * What a policy decides about a command or an action: go ahead, refuse (the reason is shown as
 * it is), or wait for an approval under the named policy. Decided before anything is queued or
 * changed.
 */
export type Decision = { type: 'allow' } | { type: 'deny'; reason: string } | { type: 'needs-approval'; policy: string };

export const allow: Decision = { type: 'allow' };

export const deny = (reason: string): Decision => ({ type: 'deny', reason });

export const needsApproval = (policy: string): Decision => ({ type: 'needs-approval', policy });
