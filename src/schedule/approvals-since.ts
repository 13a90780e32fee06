import type { Redis } from 'ioredis';
import type { AuditRecord } from '../audit/audit-record.ts';
import type { RedisKeys } from '../store/keys.ts';

/** An approval decided (by a person, its expiry or a newer release), as a summary's change line names it. */
export interface ApprovalChange {
  state: 'approved' | 'rejected' | 'expired' | 'void';
  /** What was asked for: `rollback hello/production from v7 to v5`. */
  what: string;
  app?: string;
  env?: string;
  /** Who decided (their platform identity); `system:approvals` for an expiry or a void. */
  by: string;
  /** ISO time it was decided. */
  at: string;
}

const STATES = new Set<string>(['approved', 'rejected', 'expired', 'void']);

/** Audit records a summary reads back at most (every command is one): past them older decisions are not named. @defaultValue 5000 */
export const AUDIT_READ_MAX = 5000;
const PAGE = 500;

/**
 * Approvals decided at or after `sinceMs`, oldest first, from the audit trail's
 * `approval-<state>` records. A worker has no audit key, but reading needs none: the list is
 * plain JSON (the MACs are for `voxoz audit verify`). Read from the newest back, stopping at the
 * first record older than `sinceMs`.
 */
export async function approvalsSince(redis: Redis, keys: Pick<RedisKeys, 'auditLog'>, sinceMs: number): Promise<ApprovalChange[]> {
  const found: ApprovalChange[] = [];
  const last = (await redis.llen(keys.auditLog)) - 1;
  for (let end = last; end >= 0 && last - end < AUDIT_READ_MAX; end -= PAGE) {
    const page = await redis.lrange(keys.auditLog, Math.max(0, end - PAGE + 1), end);
    for (const raw of page.reverse()) {
      let r: AuditRecord;
      try {
        r = JSON.parse(raw) as AuditRecord;
      } catch {
        continue;
      }
      if (Date.parse(r.at) < sinceMs) return found.reverse();
      const state = r.type?.startsWith('approval-') ? r.type.slice('approval-'.length) : '';
      if (!STATES.has(state)) continue;
      found.push({
        state: state as ApprovalChange['state'],
        what: r.what,
        ...(r.app ? { app: r.app } : {}),
        ...(r.env ? { env: r.env } : {}),
        by: r.actor,
        at: r.at,
      });
    }
  }
  return found.reverse();
}
