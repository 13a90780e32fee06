/**
 * Every Redis key voxoz writes, in one place, under one prefix: the queue name as a Redis Cluster
 * hash tag (`{voxoz}:…`), so every key of an install, BullMQ's among them, falls in one slot and
 * the multi-key scripts work on a cluster too.
 */
export function redisKeys(name: string) {
  const prefix = `{${name}}`;
  return {
    /** BullMQ's own key prefix. */
    bull: `${prefix}:bull`,
    /**
     * Hash: `data` (JobData JSON), `state` (see job-state.ts), `pendingSince` (Redis ms),
     * `user`, `parent`, `lastId`, `outcome`, …
     */
    job: (id: string) => `${prefix}:job:${id}`,
    /** What every job key starts with (scripts that look at a user's other jobs). */
    jobPrefix: `${prefix}:job:`,
    /** Sorted set: ids of a user's unfinished jobs, scored by when they were queued (Redis ms). */
    userJobs: (userId: string) => `${prefix}:user-jobs:${userId}`,
    /** Stream of JobEvents written by workers and read by relays. */
    events: (id: string) => `${prefix}:job:${id}:events`,
    /** Set of job ids whose relay has not finished. */
    relayActive: `${prefix}:relay:active`,
    /** String: which bot process relays a job, with a TTL (the lease). */
    relayLease: (id: string) => `${prefix}:relay:lease:${id}`,
    /** Hash: the token bucket of new messages in one chat channel, shared by every bot (relay/channel-pace.ts). */
    channelPace: (platform: string, conversation: string) => `${prefix}:relay:pace:${platform}:${conversation}`,
    /** Sorted set of worker ids that take jobs from a queue, scored by when their word expires (ms); see jobs/worker-presence.ts. */
    workers: (queue: string) => `${prefix}:workers:${queue}`,
    /** Sorted set of live worker ids, scored by when their word expires (ms). */
    workerCards: `${prefix}:workers`,
    /** Hash: worker id → WorkerCard JSON (what it reaches, its queues, what it runs). */
    workerCard: `${prefix}:worker-cards`,
    /** Pub/sub channel: job ids to cancel, as `id|user`. */
    cancelChannel: `${prefix}:cancel`,
    /** String `<fence token>:<job id>`: who holds the app+env deploy lock, with a TTL its heartbeat renews. */
    appLock: (app: string, env: string) => `${prefix}:lock:${app}:${env}`,
    /** Counter: the newest fencing token handed out with the app+env lock. */
    appFence: (app: string, env: string) => `${prefix}:fence:${app}:${env}`,
    /** List: ids of the mutating jobs of app+env in the order they run, head first (see jobs/app-line.ts). */
    appLine: (app: string, env: string) => `${prefix}:line:${app}:${env}`,
    /** String: the fencing token of the deploy whose release serves app+env now. */
    appLive: (app: string, env: string) => `${prefix}:live:${app}:${env}`,
    /** String: a token, with a TTL its holder renews: who is changing the front door `door` of an engine (frontdoor/door-lock.ts). */
    frontDoorLock: (door: string) => `${prefix}:door-lock:${door}`,
    /** Counter of release numbers per app+env. */
    releaseSeq: (app: string, env: string) => `${prefix}:release-seq:${app}:${env}`,
    /** Hash: release number → Release JSON. */
    releases: (app: string, env: string) => `${prefix}:releases:${app}:${env}`,
    /** Hash `<app>:<env>` → desired replica count, set by `scale` (absent: the app's configured `replicas`). */
    desired: `${prefix}:desired`,
    /** Hash `<app>:<env>` → Burst JSON (replicas added until a time; its scale-back job clears it). */
    bursts: `${prefix}:bursts`,
    /** Hash `<app>:<env>` → UserLock JSON: locks people hold with `lock` (not the job lock above). */
    userLocks: `${prefix}:user-locks`,
    /** List (newest first, capped): every lock and unlock of a user lock, as JSON, for the record. */
    userLockLog: `${prefix}:user-lock-log`,
    /** Hash: a local chat thread (`state`, `outcome`, `conversation`, `seq`, `count`, `m:<n>` message JSON, `e:<n>` edits). */
    localThread: (id: string) => `${prefix}:local:thread:${id}`,
    /** What every local thread key starts with (the script that trims a channel deletes old threads). */
    localThreadPrefix: `${prefix}:local:thread:`,
    /** Sorted set: ids of a local channel's threads, scored by when they were opened (ms). */
    localChannel: (conversation: string) => `${prefix}:local:channel:${conversation}`,
    /** Pub/sub channel: every local thread event (message, edit, end) as JSON, for every bot process's live views. */
    localEvents: `${prefix}:local:events`,
    /** Hash: an approval request (`data` ApprovalRequest JSON, `state`, `decidedBy`, `decidedAt`, `reason`, `job`). */
    approval: (id: string) => `${prefix}:approval:${id}`,
    /** Sorted set: ids of approvals still pending, scored by when they expire (ms). */
    approvalsPending: `${prefix}:approvals:pending`,
    /** List: the audit trail, one AuditRecord JSON per entry, oldest first (append-only; see src/audit). */
    auditLog: `${prefix}:audit:log`,
    /** String: the audit trail's head `{seq, mac}` (appends WATCH it). */
    auditHead: `${prefix}:audit:head`,
    /** Marker (with a TTL): a job's event (`started:<attempt>`, `done`) is in the audit trail already. */
    auditSeen: (job: string, event: string) => `${prefix}:audit:seen:${job}:${event}`,
    /** String (binary, with the stream's TTL): a file a job produced, by name, until the relay attaches it. */
    jobFile: (id: string, name: string) => `${prefix}:job:${id}:file:${name}`,
    /** Hash schedule name → ISO time of the tick its last scheduled summary covered up to ("since the last summary"). */
    summaryMarks: `${prefix}:schedule:marks`,
    /** Sorted set: an app environment's recent replica exits and OOM kills (engine event ids, scored by ms), trimmed by age. */
    alertSignals: (app: string, env: string) => `${prefix}:alert:signals:${app}:${env}`,
    /** Hash: the open incident of app+env+kind (`id` of its message record, `openedAt`, `summary`, `step`, `steps`); claimed once. */
    alertIncident: (app: string, env: string, kind: string) => `${prefix}:alert:incident:${app}:${env}:${kind}`,
    /** Sorted set: app+env status samples for the chart (deploys, failures, healthy/desired), JSON scored by ms; trimmed by age and count. */
    statusSamples: (app: string, env: string) => `${prefix}:samples:${app}:${env}`,
    /** Dedup marker for a delivery (command or click) id. */
    delivery: (platform: string, id: string) => `${prefix}:delivery:${platform}:${id}`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
