import { describe, expect, it } from 'vitest';
import { type AuditRecord, macOf } from '../../src/audit/audit-record.ts';
import { verifyAudit } from '../../src/audit/verify-audit.ts';

const KEY = Buffer.from('k'.repeat(32));

/** A valid chain of `n` records, as the audit log writes them. */
function chain(n: number, key = KEY): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const body = {
      seq,
      at: `2026-12-03T09:0${seq % 10}:00.000Z`,
      prev: out.at(-1)?.mac ?? '',
      type: 'command',
      actor: 'local:ann',
      what: `deploy hello #${seq}`,
      result: 'queued',
    };
    out.push({ ...body, mac: macOf(key, body) });
  }
  return out;
}
const lines = (records: AuditRecord[]) => records.map((r) => JSON.stringify(r));
const head = (records: AuditRecord[]) => ({ seq: records.at(-1)!.seq, mac: records.at(-1)!.mac });
const problems = (records: AuditRecord[], h = head(chain(6))) => {
  const check = verifyAudit(lines(records), KEY, h);
  return check.ok ? [] : check.problems;
};

describe('verifyAudit', () => {
  it('a chain as written verifies, against its head too', () => {
    expect(verifyAudit(lines(chain(6)), KEY, head(chain(6)))).toEqual({ ok: true, count: 6 });
  });

  it('a changed record', () => {
    const c = chain(6);
    c[2] = { ...c[2]!, actor: 'local:mallory' };
    expect(problems(c)).toEqual(['record 3 was changed: its MAC does not match its content']);
  });

  it('a removed record', () => {
    const c = chain(6);
    c.splice(3, 1);
    expect(problems(c)).toEqual(['record 4 was removed (record 5 follows 3)']);
  });

  it('an inserted record (a copy, or a new one without the key)', () => {
    const copy = chain(6);
    copy.splice(2, 0, copy[4]!);
    expect(problems(copy)).toContain('record 5 appears twice: one was inserted');
    const forged = chain(6);
    forged.splice(3, 0, { ...forged[3]!, what: 'rollback hello', mac: 'f'.repeat(64) });
    expect(problems(forged)).toEqual(
      expect.arrayContaining(['record 4 was changed: its MAC does not match its content', 'record 4 appears twice: one was inserted']),
    );
  });

  it('reordered records', () => {
    const c = chain(6);
    [c[2], c[3]] = [c[3]!, c[2]!];
    expect(problems(c)).toContain('record 3 comes after record 4: records were reordered');
  });

  it('the whole chain rewritten without the key, or with another key', () => {
    expect(problems(chain(6, Buffer.from('x'.repeat(32))))).toContain(
      'no record verifies with this key: the whole chain was rewritten, or this is not its key',
    );
  });

  it('the tail cut, or the chain rewritten shorter (the head outside Redis says more)', () => {
    expect(problems(chain(4))).toEqual(['the trail ends at record 4 but record 6 was written: its tail was cut']);
    expect(problems([], head(chain(6)))).toEqual(['the trail ends at record 0 but record 6 was written: its tail was cut']);
  });

  it('a record replaced at the head by a valid-looking one', () => {
    const c = chain(6);
    expect(problems(c, { seq: 6, mac: '0'.repeat(64) })).toEqual([
      'record 6 is not the one that was written (the head outside Redis has another MAC)',
    ]);
  });
});
