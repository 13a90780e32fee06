import type { Redis } from 'ioredis';
import { createAccessPolicy } from './access/access-policy.ts';
import { createApprovalStore } from './approvals/approval-store.ts';
import { createApprovals } from './approvals/approvals.ts';
import { auditHeadFile, loadAuditKey } from './audit/audit-key.ts';
import { createAuditLog } from './audit/audit-log.ts';
import type { LoadedConfig } from './config/load-config.ts';
import type { Settings } from './config/read-settings.ts';
import type { Clock } from './core/clock.ts';
import type { Dispatcher } from './dispatch/dispatcher.ts';
import type { Shutdown } from './lifecycle/shutdown.ts';
import type { Logger } from './observability/logger.ts';
import type { RedisConnector } from './store/redis-connector.ts';
import type { RedisKeys } from './store/keys.ts';
import type { LockStore } from './store/lock-store.ts';
import type { SystemJobRecorder } from './store/record-system-job.ts';
import type { ReleaseStore } from './store/release-store.ts';
import { quitRedis } from './store/quit-redis.ts';

/** How often each bot process expires approvals whose time ran out. @defaultValue 5 s */
const APPROVAL_SWEEP_MS = 5000;

/**
 * The bot side of who may do what: the audit trail (on a client of its own: appends WATCH the
 * head, and WATCH belongs to the connection), the access policy, and approvals with their expiry
 * sweep (every bot process sweeps; each expiry is decided once in Redis). `dispatcher` is read
 * when an approved command answers in the bot process (it is built after this).
 */
export function startGovernance(deps: {
  settings: Settings;
  connect: RedisConnector;
  redis: Redis;
  keys: RedisKeys;
  config: () => LoadedConfig;
  releases: ReleaseStore;
  locks: LockStore;
  systemJobs: SystemJobRecorder;
  now: Clock;
  log: Logger;
  shutdown: Pick<Shutdown, 'add'>;
  dispatcher: () => Dispatcher;
  /** Told each approval decision (the metrics). */
  onApprovalDecided?: (state: string) => void;
}) {
  const { settings, redis, keys, now, log, shutdown } = deps;
  const auditRedis = deps.connect('commands', 'voxoz-audit');
  shutdown.add('close audit client', async () => {
    await quitRedis(auditRedis);
  });
  const audit = createAuditLog({
    redis: auditRedis,
    keys,
    key: loadAuditKey(settings.dataDir, settings.auditKey),
    headFile: auditHeadFile(settings.dataDir),
    now,
  });
  const policy = createAccessPolicy({ config: deps.config, locks: deps.locks });
  const approvals = createApprovals({
    redis,
    keys,
    store: createApprovalStore(redis, keys),
    config: deps.config,
    releases: deps.releases,
    policy,
    jobs: deps.systemJobs,
    now,
    log: log.child({ part: 'approvals' }),
    audit,
    ...(deps.onApprovalDecided ? { onDecided: deps.onApprovalDecided } : {}),
    answerAs: (request) =>
      deps.dispatcher().runApproved(request.text, request.job.requestedBy, {
        platform: request.job.thread.platform,
        conversation: request.job.thread.conversation,
      }),
  });
  const sweeper = setInterval(() => {
    approvals.sweep().catch((err: unknown) => log.warn('approval sweep failed', { err }));
  }, APPROVAL_SWEEP_MS);
  shutdown.add('stop approval sweeps', async () => clearInterval(sweeper));
  return { audit, policy, approvals };
}
