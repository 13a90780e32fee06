import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import type { Clock } from '../core/clock.ts';
import type { RedisKeys } from '../store/keys.ts';
import { type AuditEntry, type AuditHead, type AuditRecord, macOf } from './audit-record.ts';

/** Tries of one append when other processes append at the same moment. @defaultValue 50 */
const TRIES = 500;

/** Records read per round trip by `list`. @defaultValue 500 */
const LIST_PAGE = 500;

function parseRecord(raw: string): AuditRecord | undefined {
  try {
    return JSON.parse(raw) as AuditRecord;
  } catch {
    return undefined;
  }
}

/** The head kept in `file`, if any. */
export function readHead(file: string): AuditHead | undefined {
  try {
    const head = JSON.parse(readFileSync(file, 'utf8')) as AuditHead;
    return Number.isInteger(head.seq) && typeof head.mac === 'string' ? head : undefined;
  } catch {
    return undefined;
  }
}

function writeHead(file: string, head: AuditHead): void {
  if ((readHead(file)?.seq ?? 0) >= head.seq) return;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(head)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export interface AuditLog {
  /** Appends one record (after every record before it); resolves once Redis and the head file have it. */
  record(entry: AuditEntry): Promise<AuditRecord>;
  /** Records in order, oldest first (newest last); filtered by app and time, the newest `limit`. Stops reading at the first record older than `since`. */
  list(filter?: { app?: string; since?: Date; limit?: number }): Promise<AuditRecord[]>;
}

/**
 * The audit trail: an append-only list in Redis, each record MACed (HMAC-SHA256 with `key`,
 * which never goes to Redis) over its content and the MAC before it. Appends from several
 * processes are serialised by an optimistic transaction on the head key. The head (last number
 * and MAC) is also written to `headFile`, outside Redis, so cutting the tail or rewriting the
 * whole chain is found by `verifyAudit`.
 */
export function createAuditLog(deps: { redis: Redis; keys: RedisKeys; key: Buffer; headFile: string; now: Clock }): AuditLog {
  const { redis, keys } = deps;
  // WATCH belongs to the connection: appends of this process go one at a time on a client of
  // their own (`redis` must not be shared with other MULTI users); other processes retry.
  let last: Promise<unknown> = Promise.resolve();
  const append = async (entry: AuditEntry): Promise<AuditRecord> => {
    for (let attempt = 0; attempt < TRIES; attempt++) {
      await redis.watch(keys.auditHead);
      const raw = await redis.get(keys.auditHead);
      const head = raw ? (JSON.parse(raw) as AuditHead) : { seq: 0, mac: '' };
      const clean = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined && v !== '')) as AuditEntry;
      const body = { ...clean, seq: head.seq + 1, at: deps.now().toISOString(), prev: head.mac };
      const record: AuditRecord = { ...body, mac: macOf(deps.key, body) };
      const done = await redis
        .multi()
        .rpush(keys.auditLog, JSON.stringify(record))
        .set(keys.auditHead, JSON.stringify({ seq: record.seq, mac: record.mac }))
        .exec();
      if (done === null) {
        // Someone appended between our read and write: read again, after a random pause so that
        // two busy writers do not keep colliding in step (without it one could starve).
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, 1 + attempt)));
        continue;
      }
      writeHead(deps.headFile, { seq: record.seq, mac: record.mac });
      return record;
    }
    throw new Error(`could not append to the audit trail after ${TRIES} tries (too many writers at once)`);
  };
  return {
    record(entry) {
      const next = last.then(() => append(entry));
      last = next.catch(() => undefined);
      return next;
    },
    async list(filter = {}) {
      // Read from the newest back, a page at a time, and stop at `since` or `limit`: the chat
      // answer must come within the store deadline however long the trail has grown.
      const since = filter.since?.getTime() ?? 0;
      const kept: AuditRecord[] = [];
      // Positions from the start: records appended meanwhile do not shift them.
      for (let end = (await redis.llen(keys.auditLog)) - 1; end >= 0; end -= LIST_PAGE) {
        const page = await redis.lrange(keys.auditLog, Math.max(0, end - LIST_PAGE + 1), end);
        for (const raw of page.reverse()) {
          const r = parseRecord(raw);
          if (!r) continue; // not a record: `voxoz audit verify` reports it
          if (Date.parse(r.at) < since) return kept.reverse();
          if (!filter.app || r.app === filter.app) kept.push(r);
          if (filter.limit && kept.length >= filter.limit) return kept.reverse();
        }
      }
      return kept.reverse();
    },
  };
}
