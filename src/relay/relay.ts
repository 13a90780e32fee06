import { hostname } from 'node:os';
import { connectorFrom, type RedisConnector } from '../store/redis-connector.ts';
import type { JobData } from '../core/types.ts';
import type { JobEvent } from '../jobs/job-event.ts';
import { jobStreamPages } from '../jobs/job-stream.ts';
import type { Logger } from '../observability/logger.ts';
import { jobDone } from '../store/job-done.ts';
import { createJobStore } from '../store/job-store.ts';
import type { RedisKeys } from '../store/keys.ts';
import { RateLimitedError, type ChatSurface } from './chat-surface.ts';
import { takeChannelTurn } from './channel-pace.ts';
import { createFinalHeadroom } from './final-headroom.ts';
import { applyEvent, initialView, isFinished } from './job-view.ts';
import { claimLease, renewLease } from './relay-lease.ts';
import { withOriginParent } from './origin-parent.ts';
import { nextCall, type Tail } from './relay-call.ts';
import { quitRedis } from '../store/quit-redis.ts';

export interface RelayOptions {
  /** Where the relay's client comes from (the composition root's connector), or a server URL. */
  connect?: RedisConnector;
  redisUrl?: string;
  keys: RedisKeys;
  surfaces: ReadonlyArray<ChatSurface>;
  log: Logger;
  /** How often streams are read and calls considered. @defaultValue 100 */
  tickMs?: number;
  /** Lease lifetime; another process takes a job over this long after its relay dies. @defaultValue 15000 */
  leaseMs?: number;
  /**
   * Finds jobs recorded for relaying that never reached the queue (Redis failed between the two
   * writes of an enqueue): still "queued" after `afterMs` and unknown to the queue, they are
   * closed as failed so the thread tells the truth. @defaultValue afterMs 30000
   */
  lost?: { isQueued(jobId: string): Promise<boolean>; afterMs?: number };
  /** Told of each `started` and `done` event it reads (the audit trail); at least once per event (a takeover reads again from its checkpoint). */
  onEvent?: (job: JobData, event: JobEvent) => void;
}

export interface Relay {
  readonly owner: string;
  /** Ids of jobs this process is relaying now. */
  owned(): string[];
  /** Ids of owned jobs that have finished but whose last messages are not all posted yet. */
  finishing(): string[];
  /**
   * Resolves once the relay has read every stream at least once since the call and has no
   * finished job left to post, or after `timeoutMs` (false then): a stop waits on it so the
   * last messages of jobs that ended while draining reach chat.
   */
  settle(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Tails the streams of active jobs and turns them into chat: one parent message edited in
 * place, log batches in its thread, the whole log as a file at the end. Each job is relayed by
 * exactly one bot process (a lease in Redis); a process that takes a job over resumes from the
 * stored checkpoint, so nothing is posted twice and nothing is lost. One call per job per
 * interval keeps every platform within its rate budget.
 */
export function startRelay(opts: RelayOptions): Relay {
  const { keys, log } = opts;
  const tickMs = opts.tickMs ?? 100;
  const leaseMs = opts.leaseMs ?? 15_000;
  const owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const redis = connectorFrom(opts)('commands', 'voxoz-relay');
  redis.on('error', (err) => log.debug('relay redis error', { err }));
  const surfaces = new Map(opts.surfaces.map((s) => [s.platform, s]));
  const headroom = new Map(opts.surfaces.map((s) => [s.platform, createFinalHeadroom(s.limits)]));
  const tails = new Map<string, Tail>();
  /** Jobs for platforms this process has no adapter for; another bot process relays them. */
  const foreign = new Set<string>();
  let lastDiscover = 0;
  let lastRenew = Date.now();
  let stopped = false;
  let ticks = 0;

  const store = createJobStore(redis, keys);

  async function adopt(id: string): Promise<void> {
    const first = await store.relayRecord(id);
    if (!first.data || first.relayed) {
      await store.dropRelay(id);
      return;
    }
    const job = first.data;
    const surface = surfaces.get(job.thread.platform);
    if (!surface) {
      foreign.add(id);
      return;
    }
    if (!(await claimLease(redis, keys.relayLease(id), owner, leaseMs))) return;
    // Read again under the lease: the previous holder may have moved the checkpoint meanwhile.
    const { parent, relayedTo, uploaded, attached } = await store.relayRecord(id);
    let view = initialView(job);
    const readId = relayedTo ?? '0';
    // A job continuing another's thread replies to that job's parent, when it is posted already.
    const { thread } = await withOriginParent(store, job.thread);
    if (relayedTo) {
      for await (const page of jobStreamPages(redis, keys, id))
        for (const entry of page) if (compareIds(entry.id, relayedTo) <= 0) view = applyEvent(view, entry.event);
    }
    tails.set(id, {
      job: { ...job, thread },
      surface,
      view,
      parent: parent ?? job.thread.parent,
      readId,
      pending: [],
      dirty: true,
      nextCallAt: 0,
      retryAt: 0,
      failures: 0,
      uploaded,
      attached,
      lastWasLog: false,
      adoptedAt: Date.now(),
    });
    log.debug('relaying job', { id, resumedFrom: relayedTo });
  }

  async function readStreams(): Promise<void> {
    const list = [...tails.values()];
    if (list.length === 0) return;
    const res = (await redis.xread(
      'COUNT',
      2000,
      'STREAMS',
      ...list.map((t) => keys.events(t.job.id)),
      ...list.map((t) => t.readId),
    )) as Array<[string, Array<[string, string[]]>]> | null;
    for (const [key, entries] of res ?? []) {
      const tail = list.find((t) => keys.events(t.job.id) === key);
      if (!tail) continue;
      for (const [id, fields] of entries) {
        const event = JSON.parse(fields[1] ?? '{}') as JobEvent;
        tail.view = applyEvent(tail.view, event);
        if (event.type === 'started' || event.type === 'done') opts.onEvent?.(tail.job, event);
        tail.readId = id;
        if (event.type === 'log') tail.pending.push({ id, line: event.line });
        else tail.dirty = true;
      }
    }
  }

  /** One platform call for a job, if its interval has passed. Returns true when the job is fully relayed. */
  async function step(tail: Tail, now: number): Promise<boolean> {
    if (now < tail.retryAt) return false;
    const finished = isFinished(tail.view);
    // The outcome is what the user waits for: the final edit goes at once if the platform has room.
    const finalEdit = finished && tail.parent !== undefined && tail.dirty;
    if (now < tail.nextCallAt && !(finalEdit && headroom.get(tail.surface.platform)!.take(now))) return false;
    const call = await nextCall(tail, { redis, keys, store, log }, now, finalEdit);
    if (call === 'wait') return false;
    if (call === 'done') return true;
    const { run: action, posts } = call;
    const pace = tail.surface.limits.channelPace;
    if (posts && pace) {
      const key = keys.channelPace(tail.surface.platform, tail.job.thread.conversation);
      // Redis not answering: post anyway, the platform's 429 still applies.
      const wait = await takeChannelTurn(redis, key, pace).catch(() => 0);
      if (wait > 0) {
        tail.nextCallAt = now + wait;
        return false;
      }
    }
    try {
      await action();
      tail.failures = 0;
      // Finishing calls are paced too: a platform counts them like any other.
      tail.nextCallAt = now + tail.surface.limits.intervalMs(tails.size);
    } catch (err) {
      if (err instanceof RateLimitedError) {
        tail.retryAt = now + err.retryAfterMs;
        tail.nextCallAt = tail.retryAt;
        return false;
      }
      tail.failures += 1;
      log.warn('relay call failed', { jobId: tail.job.id, failures: tail.failures, err });
      if (tail.failures >= 8) {
        log.error('giving up relaying job', { jobId: tail.job.id });
        await store.dropRelay(tail.job.id);
        return true;
      }
      tail.nextCallAt = now + Math.min(30_000, 500 * 2 ** tail.failures);
    }
    return false;
  }

  const lostChecked = new Map<string, number>();
  async function closeLost(now: number): Promise<void> {
    if (!opts.lost) return;
    const afterMs = opts.lost.afterMs ?? 30_000;
    for (const tail of tails.values()) {
      if (
        tail.view.phase !== 'queued' ||
        now - Date.parse(tail.job.requestedAt) < afterMs ||
        now - (lostChecked.get(tail.job.id) ?? 0) < afterMs
      )
        continue;
      lostChecked.set(tail.job.id, now);
      if (await opts.lost.isQueued(tail.job.id)) continue;
      log.warn('job never reached the queue; closing it', { jobId: tail.job.id });
      await store.append(tail.job.id, jobDone.lost(new Date(now).toISOString(), tail.job.command));
    }
  }

  async function tick(): Promise<void> {
    const now = Date.now();
    await closeLost(now);
    if (now - lastDiscover >= 500) {
      lastDiscover = now;
      const active = await store.relayActive();
      for (const id of active) if (!tails.has(id) && !foreign.has(id)) await adopt(id);
      if (foreign.size > 1000) for (const id of foreign) if (!active.includes(id)) foreign.delete(id);
    }
    if (now - lastRenew >= leaseMs / 3) {
      lastRenew = now;
      for (const id of [...tails.keys()]) if (!(await renewLease(redis, keys.relayLease(id), owner, leaseMs))) tails.delete(id);
    }
    await readStreams();
    for (const tail of [...tails.values()]) if (await step(tail, now)) tails.delete(tail.job.id);
  }

  const loop = (async () => {
    while (!stopped) {
      await tick().catch((err: unknown) => log.warn('relay tick failed', { err }));
      ticks += 1;
      await new Promise((r) => setTimeout(r, tickMs));
    }
  })();

  return {
    owner,
    owned: () => [...tails.keys()],
    finishing: () => [...tails.values()].filter((t) => isFinished(t.view)).map((t) => t.job.id),
    async settle(timeoutMs) {
      const [from, deadline] = [ticks, Date.now() + timeoutMs];
      const busy = () => ticks < from + 2 || [...tails.values()].some((t) => isFinished(t.view));
      while (busy() && Date.now() < deadline && !stopped) await new Promise((r) => setTimeout(r, tickMs / 2));
      return !busy();
    },
    async close() {
      stopped = true;
      await loop;
      await quitRedis(redis);
    },
  };
}

/** Orders Redis stream ids (`ms-seq`). */
export function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}
