import type { Redis } from 'ioredis';
import type { JobData, Reply } from '../core/types.ts';
import type { JobOutcome } from '../jobs/job-event.ts';
import type { DoneResult } from '../store/job-done.ts';
import { doneEvent } from '../store/job-done.ts';
import { JOB_FIELD } from '../store/job-fields.ts';
import { addEvents } from '../store/job-store.ts';
import type { RedisKeys } from '../store/keys.ts';
import { utcMinute } from '../dispatch/utc-minute.ts';
import type { ApprovalRecord } from './approval-store.ts';

/** The job-store kind of an approval message: relayed like a job's parent, never queued. */
export const APPROVAL_KIND = 'approval';

/**
 * Records the approval message for the relay, as an ordinary bot message in the request's
 * thread (its thread ref carries no interaction token, so Discord's 15-minute token never
 * matters): confirmed and started at once, so it is posted now and never taken for lost.
 */
export async function postApprovalMessage(redis: Redis, keys: RedisKeys, message: JobData, at: string): Promise<void> {
  const pipeline = redis.multi();
  pipeline.hset(keys.job(message.id), JOB_FIELD.data, JSON.stringify(message), JOB_FIELD.state, 'started');
  addEvents(pipeline, keys, message.id, [
    { type: 'queued', at },
    { type: 'started', at, attempt: 1, worker: 'approvals' },
  ]);
  pipeline.sadd(keys.relayActive, message.id);
  await pipeline.exec();
}

/** Rewrites the approval message with its final state (the relay edits it and drops the buttons). */
export async function closeApprovalMessage(redis: Redis, keys: RedisKeys, id: string, at: string, outcome: JobOutcome, result: DoneResult) {
  const pipeline = redis.multi();
  addEvents(pipeline, keys, id, [doneEvent(at, outcome, result)]);
  pipeline.hset(keys.job(id), JOB_FIELD.state, 'finished');
  await pipeline.exec();
}

/** The message while it waits: what, who asked, who may approve, until when; Approve and Reject. */
export function renderPendingApproval(message: JobData): Reply {
  const a = message.args;
  return {
    title: `approval needed: ${message.command}`,
    status: 'waiting-approval',
    text: `${message.requestedBy.name} asked for this. Someone else with approver on ${message.app}/${message.env} must approve it (${String(a.approvers)}). It expires at ${utcMinute(String(a.expiresAt))}.`,
    fields: [
      { label: 'requested by', value: message.requestedBy.name },
      { label: 'policy', value: String(a.policy) },
      { label: 'approval', value: message.id },
    ],
    buttons: [
      { id: 'approve', label: 'Approve', style: 'primary', value: message.id },
      { id: 'reject', label: 'Reject', style: 'danger', value: message.id },
    ],
  };
}

/** What an approval that is no longer pending says (the message's final text, and the answer to a late click). */
export function describeDecided(record: ApprovalRecord): { title: string; text: string } {
  const { summary } = record.request;
  const by = record.decidedBy?.name ?? 'voxoz';
  const when = record.decidedAt ? utcMinute(record.decidedAt) : '';
  switch (record.state) {
    case 'approved':
      if (record.unqueued)
        return {
          title: `${summary}: approved by ${by}, but its job could not be queued`,
          text: `Approved by ${by} at ${when}, but its job could not be queued (${record.unqueued}); nothing ran. Ask again.`,
        };
      return {
        title: `${summary}: approved by ${by}`,
        text: `Approved by ${by} at ${when}; job ${record.request.job.id} runs in this thread.`,
      };
    case 'rejected':
      return {
        title: `${summary}: rejected by ${by}`,
        text: `Rejected by ${by} at ${when}${record.reason ? `: ${record.reason}` : ''}. Nothing was done.`,
      };
    case 'expired':
      return {
        title: `${summary}: expired`,
        text: `No one decided by ${utcMinute(record.request.expiresAt)}; nothing was done. Ask again if it is still needed.`,
      };
    case 'void':
      return {
        title: `${summary}: void`,
        text: `${record.reason ?? 'another release went live since it was asked for'}; this approval no longer applies and nothing was done. Ask again against what is live now.`,
      };
    default:
      return { title: summary, text: 'waiting for a decision' };
  }
}
