import { APPROVAL_KIND } from '../approvals/approval-message.ts';
import type { ChatUser, JobData, Reply } from '../core/types.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { type JobKind, processors } from '../jobs/processors/index.ts';
import type { Decision } from './decision.ts';

/** The approvals port (src/approvals/approvals.ts): decides a request once, and says what happened. */
export interface ApprovalDecider {
  decide(id: string, user: ChatUser, to: 'approved' | 'rejected', reason?: string): Promise<Reply>;
}

/** What an action needs: who acts, the queue, and the policy's decision for this action on this job. */
export interface ActionContext {
  user: ChatUser;
  queue: Pick<JobQueue, 'get' | 'cancel'>;
  decide(job: JobData): Promise<Decision>;
  /** Approvals, where this voxoz takes them (approve and reject act through it; it asks the policy itself). */
  approvals?: ApprovalDecider;
  /** Free words that came with it: a Reject's reason. */
  reason?: string;
}

/** One thing a button press or a command can do, named by its value (a job id, an approval id). */
export type Action = (value: string, ctx: ActionContext) => Promise<Reply>;

const refusal = (title: string, text: string): Reply => ({ title, status: 'error', text, ephemeral: true });

/** What a decision other than allow answers; undefined when allowed. */
export function decisionRefusal(what: string, decision: Decision): Reply | undefined {
  if (decision.type === 'allow') return undefined;
  if (decision.type === 'deny') return refusal(`${what}: not allowed`, decision.reason);
  return {
    title: `${what}: needs approval`,
    status: 'waiting-approval',
    text: `The "${decision.policy}" rule needs someone to approve this, and this voxoz takes no approvals; nothing was done.`,
    ephemeral: true,
  };
}

const CANCEL_TEXT = {
  removed: 'removed from the queue',
  signalled: 'stopping; what it started is being removed (unless it has already made its change, which its thread will say)',
  /** signalled, for a job that changes nothing (a read, a dry run). */
  reading: 'stopping; it only reads, so there is nothing to undo',
  finished: 'already finished; nothing to cancel',
  unknown: 'no longer in the queue',
} as const;

/** Cancel: a queued job is removed, a running one is told to stop (it undoes what it started). */
const cancel: Action = async (jobId, ctx) => {
  const job = await ctx.queue.get(jobId);
  if (!job)
    return refusal('cancel: unknown job', `there is no job ${jobId}; it may have finished and expired ("jobs" lists the current ones)`);
  // An approval request is no job: cancelling it is a Reject (its requester withdraws it), by the same rules.
  if (job.kind === APPROVAL_KIND) return reject(jobId, ctx);
  // Nobody cancels a burst's end; what to type instead is no secret.
  if (typeof job.args.burstOf === 'string') return burstEndRefusal(job);
  const refused = decisionRefusal('cancel', await ctx.decide(job));
  if (refused) return refused;
  const result = await ctx.queue.cancel(job.id, ctx.user);
  const reads = job.args['dry-run'] === true || (Object.hasOwn(processors, job.kind) && !processors[job.kind as JobKind].mutates);
  return {
    title: `${job.command}: ${result === 'finished' || result === 'unknown' ? 'not cancelled' : 'cancelling'}`,
    status: 'info',
    text: `Job ${job.id} ${CANCEL_TEXT[result === 'signalled' && reads ? 'reading' : result]}.`,
    ephemeral: true,
  };
};

/**
 * A burst's scale-back is not cancelled: without it the burst would never end (status would say
 * it runs until a time long past, and a new burst would be refused). `scale` ends it now, at any count.
 */
function burstEndRefusal(job: JobData): Reply {
  const env = job.env === 'production' ? '' : ` --env ${job.env}`;
  return refusal(
    'cancel: a burst’s end',
    `"${job.command}" ends the burst of ${job.app} (${job.env}) at its time and cannot be cancelled; nothing was changed. ` +
      `To end the burst now: "scale ${job.app} ${job.args.replicas}${env}"; to keep more replicas: "scale ${job.app} <n>${env}" (it ends the burst at that count).`,
  );
}

const noApprovals = (verb: string) =>
  refusal(`${verb}: no approvals here`, 'this voxoz takes no approvals (its bot process runs without them); nothing was done');

/** Approve: the approval's job is queued as its requester's, approved by the clicker (rules in approvals.ts and the policy). */
const approve: Action = async (id, ctx) => (ctx.approvals ? ctx.approvals.decide(id, ctx.user, 'approved') : noApprovals('approve'));

/** Reject, with an optional reason; the requester may withdraw their own request this way. */
const reject: Action = async (id, ctx) =>
  ctx.approvals ? ctx.approvals.decide(id, ctx.user, 'rejected', ctx.reason) : noApprovals('reject');

/**
 * The one action table: a button's id and a command's `run: { kind: 'action' }` name an entry
 * here, so the Cancel button and `cancel <job>` follow the same rule, as do Approve/Reject and
 * `approve <id>` / `reject <id> [reason]`.
 */
export const actions = { cancel, approve, reject } as const satisfies Record<string, Action>;

export type ActionName = keyof typeof actions;

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(actions, name);
}
