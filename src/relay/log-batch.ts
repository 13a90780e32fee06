/**
 * Joins pending log lines into one thread message of at most `maxChars`. When the backlog is
 * longer, the oldest lines are skipped and a marker says how many (the whole log is attached
 * at the end), so a 10,000-line build costs one message per relay interval, not one per line.
 */
export function formatLogBatch(lines: ReadonlyArray<string>, maxChars: number): string {
  const kept: string[] = [];
  let size = 0;
  const marker = (n: number) => `… ${n} earlier line${n === 1 ? '' : 's'} skipped here; the full log is attached when the job ends …`;
  const reserve = marker(lines.length).length + 1;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.length > maxChars - reserve ? `${lines[i]!.slice(0, Math.max(0, maxChars - reserve - 1))}…` : lines[i]!;
    if (size + line.length + 1 > maxChars - (i > 0 ? reserve : 0)) {
      kept.unshift(marker(i + 1));
      break;
    }
    kept.unshift(line);
    size += line.length + 1;
  }
  return kept.join('\n');
}
