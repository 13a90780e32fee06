import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the audit trail's key and head live when VOXOZ_AUDIT_KEY is not set: `<data dir>/audit/`, mode 0700. */
export const auditDir = (dataDir: string) => join(resolve(dataDir), 'audit');
export const auditHeadFile = (dataDir: string) => join(auditDir(dataDir), 'head.json');

/** Bytes a key file must hold; a shorter one is damaged, and records MACed with it would not verify later. @defaultValue 32 */
const KEY_BYTES = 32;

function readKey(file: string): Buffer {
  const key = readFileSync(file);
  if (key.length < KEY_BYTES)
    throw new Error(
      `the audit key ${file} holds ${key.length} bytes, not ${KEY_BYTES}: it is damaged; restore it from a backup (a new key cannot verify the records written so far)`,
    );
  return key;
}

/**
 * The audit MAC key: VOXOZ_AUDIT_KEY when set (give every bot process the same one), else
 * `<data dir>/audit/key`, 32 random bytes made on first use (0600). Never stored in Redis.
 * `create: false` (the CLI) only reads it. The file appears whole or not at all (written aside,
 * then linked into place), so a process starting at the same moment reads the same key.
 */
export function loadAuditKey(dataDir: string, fromEnv: string | undefined, create = true): Buffer {
  if (fromEnv) return Buffer.from(fromEnv, 'utf8');
  const file = join(auditDir(dataDir), 'key');
  try {
    return readKey(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (!create) throw new Error(`there is no audit key at ${file}; set VOXOZ_AUDIT_KEY as voxoz has it, or run this where voxoz runs`);
  }
  mkdirSync(auditDir(dataDir), { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.new`;
  writeFileSync(aside, randomBytes(KEY_BYTES), { mode: 0o600 });
  try {
    linkSync(aside, file);
  } catch (err) {
    // Another process made it first: theirs is the key.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(aside, { force: true });
  }
  return readKey(file);
}
