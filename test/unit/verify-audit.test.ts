import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { AUDIT_FIELDS, type AuditRecord, macOf } from '../../src/audit/audit-record.ts';
import { verifyAudit } from '../../src/audit/verify-audit.ts';

const KEY = Buffer.from('k'.repeat(32));

/** A valid chain of `n` records, as the audit log writes them; with `corr`, even records carry a correlation id. */
function chain(n: number, key = KEY, corr = false): AuditRecord[] {
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
      ...(corr && seq % 2 === 0 ? { corr: `local-${seq}` } : {}),
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
  it('records with a correlation id verify beside older ones without; a changed or added corr does not', () => {
    const c = chain(4, KEY, true);
    expect(verifyAudit(lines(c), KEY, head(c))).toEqual({ ok: true, count: 4 });
    // Records written before `corr` existed keep their MACs: the field is covered only when present.
    const { mac, ...older } = c[0]!;
    const before = createHmac('sha256', KEY)
      .update(JSON.stringify(AUDIT_FIELDS.map((f) => (older as Record<string, unknown>)[f] ?? null)))
      .digest('hex');
    expect(mac).toBe(before);
    const changed = chain(4, KEY, true);
    changed[1] = { ...changed[1]!, corr: 'local-other' };
    expect(verifyAudit(lines(changed), KEY, head(c)).ok).toBe(false);
    const added = chain(4, KEY, true);
    added[0] = { ...added[0]!, corr: 'local-1' };
    expect(verifyAudit(lines(added), KEY, head(c)).ok).toBe(false);
  });

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

  it('a field added to a record (the MAC covers a fixed set of fields)', () => {
    const c = chain(6);
    c[2] = { ...c[2]!, approvedBy: 'local:boss' } as AuditRecord;
    expect(problems(c)).toEqual(['record 3 was changed: it has a field that was never written (approvedBy)']);
  });

  it('an inserted record: a forged one that claims a number already there, or a copy of a real one', () => {
    const forged = chain(6);
    forged.splice(3, 0, { ...forged[3]!, what: 'rollback hello', mac: 'f'.repeat(64) });
    expect(problems(forged)).toEqual([
      'entry 4 in the list was inserted: it claims to be record 4, which is there too, and its MAC does not match its content',
    ]);
    const before = chain(6);
    before.splice(2, 0, before[4]!);
    expect(problems(before)).toEqual(['record 5 appears again at entry 3 in the list: a copy was inserted']);
    const after = chain(6);
    after.push(after[5]!);
    expect(problems(after)).toEqual(['record 6 appears again at entry 7 in the list: a copy was inserted']);
  });

  it('reordered records: the pair that is out of order, and nothing else', () => {
    const swapped = chain(6);
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    expect(problems(swapped)).toEqual(['record 3 comes after record 4: records were reordered']);
    const moved = chain(6);
    moved.push(moved.splice(1, 1)[0]!);
    expect(problems(moved)).toEqual(['record 2 comes after record 6: records were reordered']);
  });

  it('records removed at the start, and several in a row', () => {
    const c = chain(6);
    c.splice(0, 2);
    expect(problems(c)).toEqual(['records 1..2 were removed (the trail starts at record 3)']);
    const d = chain(6);
    d.splice(2, 2);
    expect(problems(d)).toEqual(['records 3..4 were removed (record 5 follows 2)']);
  });

  it('an entry that is not a record at all', () => {
    const c = lines(chain(6));
    c.splice(2, 0, 'not json', '{"seq":"x"}');
    const check = verifyAudit(c, KEY, head(chain(6)));
    expect(check.ok ? [] : check.problems).toEqual([
      'entry 3 in the list is not a record (not a JSON object)',
      'entry 4 in the list was inserted: it has no record number, and its MAC does not match its content',
    ]);
  });

  it('the whole chain rewritten without the key, or with another key', () => {
    expect(problems(chain(6, Buffer.from('x'.repeat(32))))).toEqual([
      'no record verifies with this key: the whole chain was rewritten, or this is not its key',
      'record 6 is not the one that was written (the head outside Redis has another MAC)',
    ]);
    expect(verifyAudit(lines(chain(6, Buffer.from('x'.repeat(32)))), KEY)).toMatchObject({ ok: false, count: 6 });
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
