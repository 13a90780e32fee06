import type { Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import type { JobEvent } from '../jobs/job-event.ts';
import type { Logger } from '../observability/logger.ts';
import type { RedisKeys } from '../store/keys.ts';
import type { AuditLog } from './audit-log.ts';
import { auditEnv } from './audit-record.ts';

const withEnv = (env: string | undefined) => (env ? { env } : {});

/** How long "this event is in the trail" is remembered, so a relay takeover does not record it again. @defaultValue 7 days */
const SEEN_SECONDS = 7 * 24 * 3600;

/**
 * Records a job's start (each attempt) and its outcome, once each, from the relay (which runs
 * where the audit key is: workers on other machines need none). Approval messages are not jobs.
 */
export function auditJobEvents(deps: { redis: Redis; keys: RedisKeys; audit: Pick<AuditLog, 'record'>; log: Logger }) {
  return (job: JobData, event: JobEvent) => {
    if (job.kind === 'approval' || (event.type !== 'started' && event.type !== 'done')) return;
    const mark = event.type === 'started' ? `started:${event.attempt}` : 'done';
    const release =
      event.type === 'done' ? /\bv(\d+)\b/.exec(event.result.fields?.find((f) => f.label === 'release')?.value ?? '')?.[1] : undefined;
    (async () => {
      const seen = deps.keys.auditSeen(job.id, mark);
      if ((await deps.redis.set(seen, '1', 'EX', SEEN_SECONDS, 'NX')) !== 'OK') return;
      const entry = {
        type: event.type === 'started' ? 'job-started' : 'job-finished',
        actor: job.requestedBy.id,
        where: `${job.thread.platform}:${job.thread.conversation}`,
        what: job.command,
        ...(job.app ? { app: job.app } : {}),
        ...withEnv(auditEnv(job.kind, job.app, typeof job.args.env === 'string', job.env)),
        job: job.id,
        ...(release ? { release: Number(release) } : {}),
        result:
          event.type === 'started'
            ? `attempt ${event.attempt} on ${event.worker}${job.approvedBy ? ` (approved by ${job.approvedBy.id})` : ''}`
            : `${event.outcome}: ${event.result.title}`,
      };
      // Not written: forget the mark, so a relay that reads this event again (a takeover from an earlier checkpoint) writes it.
      await deps.audit.record(entry).catch(async (err: unknown) => {
        await deps.redis.del(seen).catch(() => undefined);
        throw err;
      });
    })().catch((err: unknown) => deps.log.error('could not write to the audit trail', { err, job: job.id }));
  };
}
