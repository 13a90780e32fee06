import { personOf } from '../access/grants.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import type { ChatUser, Reply } from '../core/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { AuditLog } from './audit-log.ts';
import type { AuditEntry } from './audit-record.ts';

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** What an answer amounted to, in a few words: refused (and why), waiting for approval, queued, or answered. */
export function resultOf(reply: Reply, jobId?: string): { type: string; result: string } {
  if (jobId) return { type: 'command', result: `queued as job ${jobId}` };
  if (reply.status === 'waiting-approval') return { type: 'command', result: clip(`waiting for approval: ${reply.title}`) };
  if (reply.status === 'error')
    return {
      type: /: not allowed$|no approver/.test(reply.title) ? 'refused' : 'command',
      result: clip(`${reply.title}: ${reply.text ?? ''}`),
    };
  return { type: 'command', result: clip(`answered: ${reply.title}`) };
}

/**
 * Records one entry for a chat user's command or click, with the person their id maps to. A
 * failed write is logged, never the user's problem: the command has already been decided.
 */
export function auditWriter(audit: Pick<AuditLog, 'record'> | undefined, config: () => LoadedConfig, log: Logger) {
  return async (user: ChatUser, where: string, entry: Omit<AuditEntry, 'actor' | 'person' | 'where'>) => {
    if (!audit) return;
    const person = personOf(config(), user.id);
    await audit
      .record({ ...entry, what: clip(entry.what, 500), actor: user.id, ...(person ? { person } : {}), where })
      .catch((err: unknown) => log.error('could not write to the audit trail', { err, what: entry.what }));
  };
}
