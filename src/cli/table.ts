/** Columns padded to their widest cell, two spaces apart, headers first. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return formatLines([headers, ...rows], columnWidths(headers, rows))
}

/** The width of each column: its widest cell or header. */
export function columnWidths(headers: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]?.length ?? 0)))
}

/** Lines of cells padded to the given widths (a wider cell pushes its line's next cells along). */
export function formatLines(rows: readonly (readonly string[])[], widths: readonly number[]): string {
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd()
  return rows.map((row) => `${line(row)}\n`).join('')
}
