import type { Redis } from 'ioredis';
import type { JobData } from '../core/types.ts';
import type { JobEvent } from '../jobs/job-event.ts';
import { JOB_FIELD, STREAM_TTL_SECONDS } from '../store/job-fields.ts';
import type { RedisKeys } from '../store/keys.ts';

/** What an incident is about; one incident per app+env+kind is open at a time. */
export type IncidentKind = 'oom' | 'crash-loop' | 'unhealthy' | 'replicas';

export interface OpenIncident {
  /** The id of its message record (a relayed job record). */
  id: string;
  openedAt: string;
  summary: string;
  /** The message's current step (what its title shows). */
  step: string;
  steps: number;
}

/** A replica's exit or OOM kill as kept for counting: `type|exitCode|replica|release|event id`, scored by its time. */
export interface Signal {
  type: 'died' | 'oom';
  exitCode: number;
  replica: string;
  release?: number;
  at: number;
}

/** Steps a message keeps as its timeline; later changes are counted but not added (the platforms' size limits). */
export const MAX_STEPS = 20;
/** Signals are kept this long. @defaultValue 1 day */
const SIGNAL_KEEP_MS = 24 * 3600 * 1000;

// KEYS: incident, job, events, relayActive. ARGV: id, openedAt, summary, step, data JSON, events JSON…
const OPEN = `
if redis.call('HEXISTS', KEYS[1], 'id') == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'openedAt', ARGV[2], 'summary', ARGV[3], 'step', ARGV[4], 'steps', '1')
redis.call('HSET', KEYS[2], '${JOB_FIELD.data}', ARGV[5], '${JOB_FIELD.state}', 'started')
for i = 6, #ARGV do redis.call('XADD', KEYS[3], '*', 'e', ARGV[i]) end
redis.call('EXPIRE', KEYS[3], ${STREAM_TTL_SECONDS})
redis.call('SADD', KEYS[4], ARGV[1])
return 1`;

// KEYS: incident, events. ARGV: id, summary, step, events JSON… (none past MAX_STEPS: the summary alone moves)
const UPDATE = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'summary') == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'summary', ARGV[2])
if #ARGV < 4 then return 1 end
redis.call('HSET', KEYS[1], 'step', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'steps', 1)
for i = 4, #ARGV do redis.call('XADD', KEYS[2], '*', 'e', ARGV[i]) end
redis.call('EXPIRE', KEYS[2], ${STREAM_TTL_SECONDS})
return 1`;

// KEYS: incident, job, events. ARGV: id, closedAt (ms), events JSON…
const CLOSE = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'closedAt', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ${24 * 3600 * 1000})
for i = 3, #ARGV do redis.call('XADD', KEYS[3], '*', 'e', ARGV[i]) end
redis.call('EXPIRE', KEYS[3], ${STREAM_TTL_SECONDS})
redis.call('HSET', KEYS[2], '${JOB_FIELD.state}', 'finished')
return 1`;

/**
 * Incidents in Redis, each decided once however many bot processes watch the same engine: the
 * first to open one records its message (a relayed record, posted by the relay like a job's
 * parent), an update moves it only when its summary changed, and only one close ends it.
 */
export function createIncidentStore(redis: Redis, keys: RedisKeys) {
  const key = (app: string, env: string, kind: IncidentKind) => keys.alertIncident(app, env, kind);
  const json = (events: JobEvent[]) => events.map((e) => JSON.stringify(e));
  return {
    /** The open incident, or when the last one closed (what happened before does not open another). */
    async get(app: string, env: string, kind: IncidentKind): Promise<{ open?: OpenIncident; closedAt?: number }> {
      const h = await redis.hgetall(key(app, env, kind));
      if (!h.id) return h.closedAt ? { closedAt: Number(h.closedAt) } : {};
      return { open: { id: h.id, openedAt: h.openedAt ?? '', summary: h.summary ?? '', step: h.step ?? '', steps: Number(h.steps ?? 0) } };
    },
    /** True when this call opened it (and recorded `message` with `events`). */
    async open(kind: IncidentKind, message: JobData, summary: string, step: string, events: JobEvent[]): Promise<boolean> {
      const { app = '', env, id } = message;
      const done = await redis.eval(
        OPEN,
        4,
        key(app, env, kind),
        keys.job(id),
        keys.events(id),
        keys.relayActive,
        id,
        message.requestedAt,
        summary,
        step,
        JSON.stringify(message),
        ...json(events),
      );
      return done === 1;
    },
    /** True when this call moved it; `events` (the step change) are added while it has fewer than MAX_STEPS. */
    async update(app: string, env: string, kind: IncidentKind, open: OpenIncident, summary: string, step: string, events: JobEvent[]) {
      const args = open.steps < MAX_STEPS ? [step, ...json(events)] : [step];
      const done = await redis.eval(UPDATE, 2, key(app, env, kind), keys.events(open.id), open.id, summary, ...args);
      return done === 1;
    },
    /** True when this call closed it. */
    async close(app: string, env: string, kind: IncidentKind, id: string, at: number, events: JobEvent[]): Promise<boolean> {
      const done = await redis.eval(CLOSE, 3, key(app, env, kind), keys.job(id), keys.events(id), id, String(at), ...json(events));
      return done === 1;
    },
    /** Keeps an exit or OOM kill once (by its engine event id) and drops the ones older than a day. */
    async addSignal(app: string, env: string, eventId: string, signal: Signal): Promise<void> {
      const k = keys.alertSignals(app, env);
      await redis
        .multi()
        .zadd(k, 'NX', signal.at, `${signal.type}|${signal.exitCode}|${signal.replica}|${signal.release ?? ''}|${eventId}`)
        .zremrangebyscore(k, '-inf', signal.at - SIGNAL_KEEP_MS)
        .pexpire(k, SIGNAL_KEEP_MS)
        .exec();
    },
    async signals(app: string, env: string, sinceMs: number): Promise<Signal[]> {
      const raw = await redis.zrangebyscore(keys.alertSignals(app, env), sinceMs, '+inf', 'WITHSCORES');
      const out: Signal[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const [type, exitCode, replica, release] = raw[i]!.split('|');
        out.push({
          type: type === 'oom' ? 'oom' : 'died',
          exitCode: Number(exitCode),
          replica: replica ?? '?',
          ...(release ? { release: Number(release) } : {}),
          at: Number(raw[i + 1]),
        });
      }
      return out;
    },
  };
}

export type IncidentStore = ReturnType<typeof createIncidentStore>;
