import { createHmac } from 'node:crypto';

/** One thing that happened, as the audit trail keeps it. */
export interface AuditEntry {
  /** command, refused, answered, queued, click, approval-expired, approval-void, job-started, job-finished … */
  type: string;
  /** The platform identity (`slack:T1/U2`, `discord:123`, `local:alice`) or `system:<why>`. */
  actor: string;
  /** The person that identity is under people: in voxoz.yml, when it is one. */
  person?: string;
  /** `<platform>:<conversation>`. */
  where?: string;
  /** The command line or the action (`approve apv-…`). */
  what: string;
  app?: string;
  env?: string;
  release?: number;
  job?: string;
  /** Short: queued, denied: <reason>, approved, succeeded, … */
  result: string;
  /** The command's correlation id (its job's id when it queued one), as in voxoz's log and any internal-error reply. */
  corr?: string;
}

/**
 * The environment an entry names: one named with --env, or the one a command on an app acts on
 * (the default when none is named). `status` with no --env shows every environment, and commands
 * on no app (a summary, `jobs`) act on none, so theirs name none.
 */
export function auditEnv(verb: string, app: string | undefined, named: boolean, env: string): string | undefined {
  return named || (app !== undefined && verb !== 'status') ? env : undefined;
}

/** An entry in the chain: numbered from 1 with no gaps, MACed with the previous record's MAC. */
export interface AuditRecord extends AuditEntry {
  seq: number;
  at: string;
  prev: string;
  mac: string;
}

/** Every field a record has besides its MAC, in the order the MAC covers them; a record with any other field was changed. */
export const AUDIT_FIELDS = [
  'seq',
  'at',
  'prev',
  'type',
  'actor',
  'person',
  'where',
  'what',
  'app',
  'env',
  'release',
  'job',
  'result',
] as const;

/** Fields added after records were written: covered by the MAC only when present, so older records verify as they were. */
export const AUDIT_LATER_FIELDS = ['corr'] as const;

/** HMAC-SHA256 over the record's fields in a fixed order (absent ones as null, later ones only when present), without its own MAC. */
export function macOf(key: Buffer, record: Omit<AuditRecord, 'mac'>): string {
  const later = AUDIT_LATER_FIELDS.filter((f) => record[f] !== undefined).map((f) => [f, record[f]]);
  const canonical = JSON.stringify([...AUDIT_FIELDS.map((f) => record[f] ?? null), ...later]);
  return createHmac('sha256', key).update(canonical).digest('hex');
}

/** The last record's number and MAC, kept outside Redis so a rewritten or cut chain shows. */
export interface AuditHead {
  seq: number;
  mac: string;
}
