import type { Redis } from 'ioredis';
import { approversOf } from '../access/grants.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import type { Clock } from '../core/clock.ts';
import type { ChatUser, Invocation, Reply } from '../core/types.ts';
import { UserError } from '../core/user-error.ts';
import type { CommandSpec, ParsedArgs } from '../dispatch/command-spec.ts';
import { jobData } from '../dispatch/job-data.ts';
import type { Policy } from '../dispatch/policy.ts';
import { utcMinute } from '../dispatch/utc-minute.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { JobKind } from '../jobs/processors/index.ts';
import type { Logger } from '../observability/logger.ts';
import { JOB_FIELD } from '../store/job-fields.ts';
import type { RedisKeys } from '../store/keys.ts';
import { systemThread, type SystemJobRecorder } from '../store/record-system-job.ts';
import type { ReleaseReader } from '../store/release-store.ts';
import { APPROVAL_KIND, closeApprovalMessage, describeDecided, postApprovalMessage } from './approval-message.ts';
import type { ApprovalRecord, ApprovalRequest, ApprovalStore } from './approval-store.ts';
import { fixTarget, liveRelease } from './fix-target.ts';

export interface ApprovalsDeps {
  redis: Redis;
  keys: RedisKeys;
  store: ApprovalStore;
  config: () => LoadedConfig;
  releases: ReleaseReader;
  policy: Policy;
  /** Queues the approved job (as the requester, approved by the clicker) in the approval's thread. */
  jobs: SystemJobRecorder;
  now: Clock;
  log: Logger;
  /** The audit trail: each request and each decision (by a person, the expiry or a newer release) is recorded. */
  audit?: Pick<AuditLog, 'record'>;
  /** Runs an approved command that answers in the bot process (`unlock`), as its requester; the dispatcher's. */
  answerAs?: (request: ApprovalRequest) => Promise<Reply>;
  /** Told each decision once (approved, rejected, expired, void), for the metrics. @defaultValue none */
  onDecided?: (state: string) => void;
  /**
   * How long an approve waits for the relay to post the request's message, so the job is posted
   * under it (an approve sent the moment the request was made). @defaultValue 3000
   */
  postedWaitMs?: number;
}

/** The kind an approval's job has when its command answers at once instead of queuing a job. */
export const ANSWER_KIND = 'answer';

const note = (title: string, text: string, status: Reply['status'] = 'info'): Reply => ({ title, status, text, ephemeral: true });

/**
 * Approvals, bot side: a request is stored, posted as a message with Approve and Reject, and
 * decided once (approve, reject, expiry or a newer release voiding it); an approved request's
 * job is queued in the same thread, its requester the person who asked.
 */
export function createApprovals(deps: ApprovalsDeps) {
  const recordDecision = async (record: ApprovalRecord) => {
    deps.onDecided?.(record.state);
    const { job, summary, bound } = record.request;
    await deps.audit
      ?.record({
        type: `approval-${record.state}`,
        actor: record.decidedBy?.id ?? 'system:approvals',
        what: summary,
        ...(job.app ? { app: job.app } : {}),
        env: job.env,
        ...(bound ? { release: bound } : {}),
        job: job.id,
        result: describeDecided(record).text,
      })
      .catch((err: unknown) => deps.log.error('could not write to the audit trail', { err }));
  };
  /** Closes a request that let nothing run (rejected, expired, void). */
  const close = async (record: ApprovalRecord) => {
    await recordDecision(record);
    const { title, text } = describeDecided(record);
    await closeApprovalMessage(deps.redis, deps.keys, record.request.id, deps.now().toISOString(), 'cancelled', { title, text });
  };
  /** Voids a pending request whose app+env has another live release now; true when it did. */
  const voidIfStale = async (record: ApprovalRecord): Promise<boolean> => {
    const { job, bound } = record.request;
    const live = await liveRelease(deps.releases, job.app ?? '', job.env);
    if (live === bound) return false;
    const why = `v${live ?? 0} of ${job.app} (${job.env}) went live after it was asked for (it was asked against ${bound ? `v${bound}` : 'no live release'})`;
    const voided = await deps.store.decide(record.request.id, 'void', deps.now(), undefined, why);
    if (voided?.decided) await close(voided.record);
    return true;
  };

  return {
    /** The requests that wait for a decision (`approvals`), the soonest to expire first. */
    pending: () => deps.store.pending(),
    /** Stores and posts an approval request for a command the policy deferred; the answer for the requester. */
    async request(inv: Invocation, command: CommandSpec, args: ParsedArgs, env: string, policy: string): Promise<Reply> {
      const config = deps.config();
      const app = String(args.app);
      if (command.run.kind === 'action' || (command.run.kind === 'answer' && !deps.answerAs))
        throw new UserError('not_approvable', `${command.name} cannot wait for an approval`);
      const approvers = approversOf(config, app, env, inv.user.id);
      if (approvers.length === 0)
        throw new UserError(
          'no_approver',
          `"${command.name} ${app}" needs approval (${policy}), but no one other than you holds approver on ${app}/${env}, so it could never be approved; nothing was done. Grant approver to someone under access: in voxoz.yml`,
        );
      const spec = { name: app, keepImages: config.apps.find((a) => a.name === app)?.keepImages ?? 0 };
      const { args: fixed, summary, text, bound } = await fixTarget(deps.releases, command, args, spec, env, inv.text);
      const job = jobData(inv, command, command.run.kind === 'job' ? command.run.job : (ANSWER_KIND as JobKind), fixed, env);
      const now = deps.now();
      const id = `apv-${job.id}`.slice(0, 90);
      if (await deps.store.get(id))
        return note(`${command.name} ${app}: approval already requested`, `This request is approval ${id}; see its message.`);
      const expiresAt = new Date(now.getTime() + config.approvals.expiryMinutes * 60_000).toISOString();
      await deps.store.create({
        id,
        text,
        job,
        summary,
        policy,
        ...(bound ? { bound } : {}),
        approvers,
        requestedAt: now.toISOString(),
        expiresAt,
      });
      const message = {
        id,
        kind: APPROVAL_KIND,
        command: summary,
        app,
        env,
        args: { approvers: approvers.join(', '), expiresAt, policy },
        requestedBy: inv.user,
        thread: systemThread(config, { thread: job.thread }),
        requestedAt: now.toISOString(),
      };
      await postApprovalMessage(deps.redis, deps.keys, message, now.toISOString());
      return {
        ...note(
          `${summary}: waiting for approval`,
          `The "${policy}" rule needs someone else to approve this: the request (${id}) is posted here with Approve and Reject buttons for ${approvers.join(', ')}. It expires at ${utcMinute(expiresAt)}; nothing runs before it is approved.`,
          'waiting-approval',
        ),
        goesOn: true,
      };
    },

    /** An Approve or Reject click (or the `approve` / `reject` command). */
    async decide(id: string, user: ChatUser, to: 'approved' | 'rejected', reason?: string): Promise<Reply> {
      const verb = to === 'approved' ? 'approve' : 'reject';
      const record = await deps.store.get(id);
      if (!record) return note(`${verb}: unknown approval`, `there is no approval ${id}; it may have expired long ago`, 'error');
      if (record.state !== 'pending') return note(`${verb}: already decided`, describeDecided(record).text, 'error');
      const decision = await deps.policy.authorizeAction(user, verb, record.request.job);
      if (decision.type !== 'allow')
        return note(`${verb}: not allowed`, decision.type === 'deny' ? decision.reason : 'not allowed', 'error');
      if (to === 'approved' && (await voidIfStale(record)))
        return note(`${verb}: void`, describeDecided((await deps.store.get(id)) ?? record).text, 'error');
      const result = await deps.store.decide(id, to, deps.now(), user, reason);
      if (!result) return note(`${verb}: unknown approval`, `there is no approval ${id}`, 'error');
      if (!result.decided || result.record.state !== to) {
        if (result.decided) await close(result.record); // it expired at this click
        return note(
          `${verb}: ${result.record.state === 'expired' ? 'expired' : 'already decided'}`,
          describeDecided(result.record).text,
          'error',
        );
      }
      const { job } = record.request;
      if (to === 'approved' && job.kind === ANSWER_KIND && deps.answerAs) {
        await recordDecision(result.record);
        const done = await deps.answerAs(record.request).catch((err: Error) => note('failed', err.message, 'error'));
        const { title } = describeDecided(result.record);
        await closeApprovalMessage(deps.redis, deps.keys, id, deps.now().toISOString(), done.status !== 'error' ? 'succeeded' : 'failed', {
          title,
          text: `Approved by ${user.name}. ${done.title}${done.text ? `: ${done.text}` : ''}`,
        });
        return note(`${record.request.summary}: approved`, `Approved and done: ${done.title}.`);
      }
      if (to === 'rejected') {
        await close(result.record);
        return note(`${record.request.summary}: rejected`, 'Rejected; nothing was done.');
      }
      // The job is queued before the request's message is closed: that close says whether the
      // thread goes on with the job, or ends here because the job could not be queued.
      await recordDecision(result.record);
      const unqueued = await deps.jobs
        .record({
          kind: job.kind,
          why: 'approved',
          id: job.id,
          command: job.command,
          app: job.app,
          env: job.env,
          args: { ...job.args, bound: record.request.bound ?? 0 },
          thread: { ...result.record.request.job.thread, ...(await parentOf(deps, id)) },
          as: { requestedBy: job.requestedBy, approvedBy: user },
        })
        .then(
          () => undefined,
          (err: Error) => err,
        );
      const at = deps.now().toISOString();
      if (unqueued) {
        deps.log.error('approved job not queued', { id, err: unqueued });
        // Kept on the record (when Redis takes it) so a later click is told the same.
        await deps.store
          .markUnqueued(id, unqueued.message)
          .catch((err: Error) => deps.log.error('could not note the unqueued job on the approval', { id, err }));
        await closeApprovalMessage(
          deps.redis,
          deps.keys,
          id,
          at,
          'failed',
          describeDecided({ ...result.record, unqueued: unqueued.message }),
        ).catch((err: Error) => deps.log.error('could not close the approval message', { id, err }));
        throw new UserError('queue_unavailable', `approved, but the job could not be queued (${unqueued.message}); ask again`);
      }
      await closeApprovalMessage(deps.redis, deps.keys, id, at, 'succeeded', { ...describeDecided(result.record), goesOn: true });
      return note(`${record.request.summary}: approved`, `Approved; job ${job.id} runs in the request's thread.`);
    },

    /** Expires pending requests whose time ran out and voids those a newer release overtook; run every few seconds by every bot process (each decision happens once). */
    async sweep(): Promise<void> {
      for (const id of await deps.store.expiredBy(deps.now())) {
        const r = await deps.store.decide(id, 'expired', deps.now());
        if (r?.decided) await close(r.record);
      }
    },
  };
}

/**
 * The approval message's own thread position (the relay's parent), so the job posts under it and
 * counts as the request's in its thread. Waits a little for a message the relay has not posted
 * yet; past that, the job posts a parent of its own.
 */
async function parentOf(deps: ApprovalsDeps, id: string): Promise<{ parent?: string }> {
  const deadline = Date.now() + (deps.postedWaitMs ?? 3000);
  for (;;) {
    const parent = await deps.redis.hget(deps.keys.job(id), JOB_FIELD.parent);
    if (parent) return { parent };
    if (Date.now() >= deadline) return {};
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type Approvals = ReturnType<typeof createApprovals>;
