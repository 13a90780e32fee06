import { AUDIT_FIELDS, AUDIT_LATER_FIELDS, type AuditHead, type AuditRecord, macOf } from './audit-record.ts';
import { longestInOrder } from './longest-in-order.ts';

export type AuditCheck = { ok: true; count: number } | { ok: false; count: number; problems: string[] };

/** Problems listed one by one; past this many the rest are only counted (a reversed trail is one story). @defaultValue 50 */
const MAX_LISTED = 50;

/** A list entry that parsed as a record: where it stands (from 1) and whether its MAC holds. */
interface Entry {
  pos: number;
  record: AuditRecord;
  /** Why its MAC does not hold; undefined when it does. */
  broken?: string;
}

const isSeq = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;

function parse(line: string): AuditRecord | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as AuditRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Why a record's MAC does not hold. A field the MAC does not cover was added after the fact. */
function brokenMac(record: AuditRecord, key: Buffer): string | undefined {
  const { mac, ...rest } = record;
  const known: ReadonlyArray<string> = [...AUDIT_FIELDS, ...AUDIT_LATER_FIELDS];
  const extra = Object.keys(rest).filter((f) => !known.includes(f));
  if (extra.length > 0) return `it has ${extra.length === 1 ? 'a field that was' : 'fields that were'} never written (${extra.join(', ')})`;
  return macOf(key, rest) === mac ? undefined : 'its MAC does not match its content';
}

const removed = (from: number, to: number) =>
  `${to > from ? `records ${from}..${to} were` : `record ${from} was`} removed (${from === 1 ? `the trail starts at record ${to + 1}` : `record ${to + 1} follows ${from - 1}`})`;

/** The pair a moved record breaks, in list order: the record kept in order nearest to it says where it should be. */
function moved(placed: ReadonlyArray<Entry>, run: ReadonlySet<number>, i: number): string {
  const { seq } = placed[i]!.record;
  let j = i - 1;
  while (j >= 0 && !run.has(j)) j--;
  if (j >= 0 && placed[j]!.record.seq > seq) return `record ${seq} comes after record ${placed[j]!.record.seq}`;
  j = i + 1;
  while (j < placed.length && !run.has(j)) j++;
  return j < placed.length ? `record ${placed[j]!.record.seq} comes after record ${seq}` : `record ${seq} is out of order`;
}

/** Changed and inserted records, copies, moves, gaps and broken links, with the records that still verify as the reference. */
function chainProblems(entries: ReadonlyArray<Entry>): string[] {
  const out: string[] = [];
  const verified = new Set(entries.filter((e) => !e.broken).map((e) => e.record.seq));
  // Records that hold a number in the chain: every verified one, and a changed one where no verified record has its number.
  const placed: Entry[] = [];
  const changed = new Set<number>();
  for (const e of entries) {
    const { seq } = e.record;
    if (!e.broken) placed.push(e);
    else if (!isSeq(seq)) out.push(`entry ${e.pos} in the list was inserted: it has no record number, and ${e.broken}`);
    else if (verified.has(seq) || changed.has(seq))
      out.push(`entry ${e.pos} in the list was inserted: it claims to be record ${seq}, which is there too, and ${e.broken}`);
    else {
      changed.add(seq);
      placed.push(e);
      out.push(`record ${seq} was changed: ${e.broken}`);
    }
  }
  const run = longestInOrder(placed.map((e) => e.record.seq));
  const inOrder = new Map([...run].map((i) => [placed[i]!.record.seq, placed[i]!]));
  placed.forEach((e, i) => {
    if (run.has(i)) return;
    if (inOrder.has(e.record.seq)) out.push(`record ${e.record.seq} appears again at entry ${e.pos} in the list: a copy was inserted`);
    else out.push(`${out.length < MAX_LISTED ? moved(placed, run, i) : `record ${e.record.seq} is out of order`}: records were reordered`);
  });
  let next = 1;
  for (const seq of [...new Set(placed.map((e) => e.record.seq))].sort((a, b) => a - b)) {
    if (seq > next) out.push(removed(next, seq - 1));
    next = seq + 1;
  }
  // Two verified neighbours that do not link were each written with the key: a splice of two chains.
  for (const [seq, e] of inOrder) {
    const before = inOrder.get(seq - 1);
    if (seq === 1 && e.record.prev !== '' && !e.broken)
      out.push('record 1 links to a record before it: the trail was replaced from its start');
    else if (before && !before.broken && !e.broken && e.record.prev !== before.record.mac)
      out.push(`record ${seq} does not follow record ${seq - 1}: its link names another MAC (two chains were spliced)`);
  }
  return out;
}

/** The head kept outside Redis: the trail must reach it, and the record there must be the one written. */
function headProblems(entries: ReadonlyArray<Entry>, head: AuditHead): string[] {
  const last = entries.reduce((m, e) => (isSeq(e.record.seq) && !e.broken ? Math.max(m, e.record.seq) : m), 0);
  const atHead = entries.find((e) => e.record.seq === head.seq && !e.broken) ?? entries.find((e) => e.record.seq === head.seq);
  if (last < head.seq && !atHead) return [`the trail ends at record ${last} but record ${head.seq} was written: its tail was cut`];
  if (atHead && atHead.record.mac !== head.mac)
    return [`record ${head.seq} is not the one that was written (the head outside Redis has another MAC)`];
  return [];
}

/**
 * Checks the chain as stored (raw JSON lines, in list order) against the key and, when given,
 * the head kept outside Redis. Names each problem and the record it is about: a changed record
 * (its MAC does not match its content, or it gained a field), an inserted one (a forged record
 * that claims a number already there, or a copy of a record), a removed one (a gap in the
 * numbers), moved ones (the records still in order are the reference, so a swap names one
 * pair), a chain rewritten without the key (no record verifies), and a cut tail (the head says more).
 */
export function verifyAudit(lines: ReadonlyArray<string>, key: Buffer, head?: AuditHead): AuditCheck {
  const problems: string[] = [];
  const entries: Entry[] = [];
  lines.forEach((line, i) => {
    const record = parse(line);
    if (record) entries.push({ pos: i + 1, record, broken: brokenMac(record, key) });
    else problems.push(`entry ${i + 1} in the list is not a record (not a JSON object)`);
  });
  if (entries.length > 0 && entries.every((e) => e.broken))
    problems.push('no record verifies with this key: the whole chain was rewritten, or this is not its key');
  else problems.push(...chainProblems(entries));
  if (head) problems.push(...headProblems(entries, head));
  const unique = [...new Set(problems)];
  const listed = unique.length > MAX_LISTED ? [...unique.slice(0, MAX_LISTED), `… and ${unique.length - MAX_LISTED} more`] : unique;
  return listed.length === 0 ? { ok: true, count: entries.length } : { ok: false, count: entries.length, problems: listed };
}
