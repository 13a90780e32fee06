import type { Redis } from 'ioredis';
import type { ChatUser, JobData } from '../core/types.ts';
import type { RedisKeys } from '../store/keys.ts';

/** An action that waits for someone else's Approve click. Written once; its state moves once. */
export interface ApprovalRequest {
  id: string;
  /** The command text as typed, run as the requester once approved (the target release fixed in it). */
  text: string;
  /** What runs once approved (its requestedBy is who asked); its id is the job's. */
  job: JobData;
  /** What the message names: `rollback hello/production from v7 to v5`. */
  summary: string;
  /** The approval rule that asked for it. */
  policy: string;
  /** The live release when it was asked for: another one live by the decision voids it. */
  bound?: number;
  /** Who could approve when it was asked for (names from voxoz.yml, or "everyone"). */
  approvers: string[];
  requestedAt: string;
  expiresAt: string;
}

export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired' | 'void';

export interface ApprovalRecord {
  request: ApprovalRequest;
  state: ApprovalState;
  decidedBy?: ChatUser;
  decidedAt?: string;
  reason?: string;
  /** Approved, but its job could not be queued: why (nothing ran). */
  unqueued?: string;
}

/** The outcome of one try to decide: this try decided it, or it was decided before (as the record says). */
export type DecideResult = { decided: true; record: ApprovalRecord } | { decided: false; record: ApprovalRecord };

// KEYS: approval, pending. ARGV: to, decidedBy JSON, decidedAt, reason, now ms, id.
// Decided once: only a pending request moves; an approve or reject at or after the expiry expires it instead.
const DECIDE = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state ~= 'pending' then return state end
local to = ARGV[1]
if (to == 'approved' or to == 'rejected') and tonumber(ARGV[5]) >= tonumber(redis.call('HGET', KEYS[1], 'expiresMs')) then to = 'expired' end
redis.call('HSET', KEYS[1], 'state', to, 'decidedBy', ARGV[2], 'decidedAt', ARGV[3], 'reason', ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[6])
if to ~= ARGV[1] then return 'now-' .. to end
return 'ok'`;

/** How long a decided approval's record is kept. @defaultValue 30 days */
const KEEP_SECONDS = 30 * 24 * 3600;

export function createApprovalStore(redis: Redis, keys: RedisKeys) {
  const read = async (id: string): Promise<ApprovalRecord | undefined> => {
    const h = await redis.hgetall(keys.approval(id));
    if (!h.data || !h.state) return undefined;
    return {
      request: JSON.parse(h.data) as ApprovalRequest,
      state: h.state as ApprovalState,
      ...(h.decidedBy ? { decidedBy: JSON.parse(h.decidedBy) as ChatUser } : {}),
      ...(h.decidedAt ? { decidedAt: h.decidedAt } : {}),
      ...(h.reason ? { reason: h.reason } : {}),
      ...(h.unqueued ? { unqueued: h.unqueued } : {}),
    };
  };
  return {
    get: read,
    async create(request: ApprovalRequest): Promise<void> {
      const expiresMs = Date.parse(request.expiresAt);
      await redis
        .multi()
        .hset(keys.approval(request.id), { data: JSON.stringify(request), state: 'pending', expiresMs: String(expiresMs) })
        .expire(keys.approval(request.id), KEEP_SECONDS)
        .zadd(keys.approvalsPending, expiresMs, request.id)
        .exec();
    },
    /** Moves a pending request to `to`, atomically, once; `now` decides whether an approve/reject came too late (then it expires). */
    async decide(
      id: string,
      to: Exclude<ApprovalState, 'pending'>,
      now: Date,
      by?: ChatUser,
      reason?: string,
    ): Promise<DecideResult | undefined> {
      const answer = (await redis.eval(
        DECIDE,
        2,
        keys.approval(id),
        keys.approvalsPending,
        to,
        by ? JSON.stringify(by) : '',
        now.toISOString(),
        reason ?? '',
        String(now.getTime()),
        id,
      )) as string;
      if (answer === 'missing') return undefined;
      const record = await read(id);
      if (!record) return undefined;
      return { decided: answer === 'ok' || answer.startsWith('now-'), record };
    },
    /** Notes on an approved request that its job could not be queued, so a later click is told so. */
    async markUnqueued(id: string, why: string): Promise<void> {
      await redis.hset(keys.approval(id), 'unqueued', why);
    },
    /** The requests that wait for a decision, the soonest to expire first. */
    async pending(): Promise<ApprovalRecord[]> {
      const ids = await redis.zrange(keys.approvalsPending, '0', '-1');
      const records = await Promise.all(ids.map((id) => read(id)));
      return records.filter((r): r is ApprovalRecord => r?.state === 'pending');
    },
    /** Pending approvals whose time ran out by `now`. */
    expiredBy: (now: Date) => redis.zrangebyscore(keys.approvalsPending, '-inf', now.getTime()),
  };
}

export type ApprovalStore = ReturnType<typeof createApprovalStore>;
