import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditDir, loadAuditKey } from '../../src/audit/audit-key.ts';

const root = mkdtempSync(join(tmpdir(), 'vxk-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dataDir = () => join(root, `d${++n}`);

describe('the audit key', () => {
  it('is made once in the data dir (32 random bytes, 0600, nothing left beside it) and read back the same', () => {
    const dir = dataDir();
    const key = loadAuditKey(dir, undefined);
    expect(key).toHaveLength(32);
    expect(statSync(join(auditDir(dir), 'key')).mode & 0o777).toBe(0o600);
    expect(loadAuditKey(dir, undefined)).toEqual(key);
    expect(loadAuditKey(dir, undefined, false)).toEqual(key);
    expect(readdirSync(auditDir(dir))).toEqual(['key']);
    expect(loadAuditKey(dataDir(), undefined)).not.toEqual(key);
  });

  it('VOXOZ_AUDIT_KEY wins over the file', () => {
    const dir = dataDir();
    loadAuditKey(dir, undefined);
    expect(loadAuditKey(dir, 'k'.repeat(40)).toString()).toBe('k'.repeat(40));
  });

  it('the command line does not make one, and says where it looked', () => {
    const dir = dataDir();
    expect(() => loadAuditKey(dir, undefined, false)).toThrow(`there is no audit key at ${join(auditDir(dir), 'key')}`);
  });

  it('a damaged (short) key file is refused, not used: records MACed with it would never verify', () => {
    const dir = dataDir();
    loadAuditKey(dir, undefined);
    writeFileSync(join(auditDir(dir), 'key'), '');
    expect(() => loadAuditKey(dir, undefined)).toThrow(/holds 0 bytes, not 32: it is damaged; restore it from a backup/);
  });
});
