import { type AuditHead, type AuditRecord, macOf } from './audit-record.ts';

export type AuditCheck = { ok: true; count: number } | { ok: false; count: number; problems: string[] };

/**
 * Checks the chain as stored (raw JSON lines, in list order) against the key and, when given,
 * the head kept outside Redis. Names each problem: a changed record (its MAC does not match its
 * content), a removed one (a gap in the numbers), an inserted one (a number seen twice, or a
 * record whose `prev` is not the MAC before it), reordered ones (numbers going backwards), a
 * chain rewritten without the key (no record verifies), and a cut tail (the head says more).
 */
export function verifyAudit(lines: ReadonlyArray<string>, key: Buffer, head?: AuditHead): AuditCheck {
  const problems: string[] = [];
  const records: AuditRecord[] = [];
  lines.forEach((line, i) => {
    try {
      records.push(JSON.parse(line) as AuditRecord);
    } catch {
      problems.push(`entry ${i + 1} in the list is not a record (not JSON)`);
    }
  });
  const bad = records.filter(({ mac, ...rest }) => macOf(key, rest) !== mac);
  if (records.length > 0 && bad.length === records.length)
    problems.push(`no record verifies with this key: the whole chain was rewritten, or this is not its key`);
  else for (const r of bad) problems.push(`record ${r.seq} was changed: its MAC does not match its content`);
  let prev: AuditRecord | undefined;
  const seen = new Set<number>();
  for (const r of records) {
    const want = prev ? prev.seq + 1 : 1;
    if (seen.has(r.seq)) problems.push(`record ${r.seq} appears twice: one was inserted`);
    else if (prev && r.seq < prev.seq) problems.push(`record ${r.seq} comes after record ${prev.seq}: records were reordered`);
    else if (r.seq > want)
      problems.push(
        `record${r.seq - want > 1 ? `s ${want}..${r.seq - 1} were` : ` ${want} was`} removed (record ${r.seq} follows ${want - 1})`,
      );
    else if (r.prev !== (prev?.mac ?? ''))
      problems.push(`record ${r.seq} does not follow the record before it: a record was inserted or replaced`);
    seen.add(r.seq);
    prev = r;
  }
  if (head) {
    const last = records.reduce((m, r) => Math.max(m, r.seq), 0);
    const atHead = records.find((r) => r.seq === head.seq);
    if (last < head.seq) problems.push(`the trail ends at record ${last} but record ${head.seq} was written: its tail was cut`);
    else if (atHead && atHead.mac !== head.mac)
      problems.push(`record ${head.seq} is not the one that was written (the head outside Redis has another MAC)`);
  }
  return problems.length === 0
    ? { ok: true, count: records.length }
    : { ok: false, count: records.length, problems: [...new Set(problems)] };
}
