/** A fixed-width text table: the header, then one line per row, columns two spaces apart, no trailing blanks. */
export function formatTable(header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  return [header, ...rows]
    .map((r) =>
      widths
        .map((w, c) => (r[c] ?? '').padEnd(w))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
