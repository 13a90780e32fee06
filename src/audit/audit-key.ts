import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the audit trail's key and head live when VOXOZ_AUDIT_KEY is not set: `<data dir>/audit/`, mode 0700. */
export const auditDir = (dataDir: string) => join(resolve(dataDir), 'audit');
export const auditHeadFile = (dataDir: string) => join(auditDir(dataDir), 'head.json');

/**
 * The audit MAC key: VOXOZ_AUDIT_KEY when set (give every bot process the same one), else
 * `<data dir>/audit/key`, 32 random bytes made on first use (0600). Never stored in Redis.
 * `create: false` (the CLI) only reads it.
 */
export function loadAuditKey(dataDir: string, fromEnv: string | undefined, create = true): Buffer {
  if (fromEnv) return Buffer.from(fromEnv, 'utf8');
  const file = join(auditDir(dataDir), 'key');
  try {
    return readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !create)
      throw new Error(
        `cannot read the audit key ${file} (${(err as NodeJS.ErrnoException).code}); set VOXOZ_AUDIT_KEY or run voxoz from its data dir`,
      );
  }
  mkdirSync(auditDir(dataDir), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
  return key;
}
