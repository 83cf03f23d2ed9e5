import type { SqlDatabase } from 'sluice/postgres'
import { DEMO_TABLES } from './demo-options.js'

type Cell = string | number | null
type Write = (line: string) => void

function cell(value: unknown): Cell {
  if (value instanceof Date) return value.toISOString().slice(0, 16).replace('T', ' ')
  if (typeof value === 'number' || typeof value === 'string' || value === null) return value
  return JSON.stringify(value)
}

/** Prints rows as an aligned text table. */
export function printTable(rows: readonly { [column: string]: unknown }[], write: Write): void {
  if (rows.length === 0) {
    write('  (no rows)')
    return
  }
  const columns = Object.keys(rows[0])
  const text = rows.map((row) => columns.map((column) => String(cell(row[column]) ?? '')))
  const widths = columns.map((column, index) => Math.max(column.length, ...text.map((line) => line[index].length)))
  write(`  ${columns.map((column, index) => column.padEnd(widths[index])).join('  ')}`)
  write(`  ${widths.map((width) => '-'.repeat(width)).join('  ')}`)
  for (const line of text) write(`  ${line.map((value, index) => value.padEnd(widths[index])).join('  ')}`)
}

/**
 * The tables' contents at the end of a run: every row with `full`, otherwise their totals, the
 * last windows of fraud_metrics and the highest-scoring alerts.
 */
export async function printTables(database: SqlDatabase, full: boolean, write: Write = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const { metrics, alerts } = DEMO_TABLES
  const [metricTotals] = await database.query<{ rows: number; windows: number; transactions: number }>(
    `SELECT count(*)::int AS rows, count(DISTINCT window_start)::int AS windows, coalesce(sum(count), 0)::int AS transactions FROM ${metrics}`,
  )
  write('')
  write(`${metrics}: ${metricTotals.rows} rows, ${metricTotals.windows} windows, ${metricTotals.transactions} transactions counted`)
  const metricColumns = 'window_start, window_end, category, count'
  printTable(
    await database.query(
      full
        ? `SELECT ${metricColumns} FROM ${metrics} ORDER BY window_start, category`
        : `SELECT ${metricColumns} FROM ${metrics} WHERE window_start >= (SELECT max(window_start) FROM ${metrics}) - interval '1 day' ORDER BY window_start, count DESC, category`,
    ),
    write,
  )
  if (!full) write(`  (the last windows only; --full prints all ${metricTotals.rows} rows)`)

  const levels = await database.query<{ level: string; alerts: number }>(`SELECT level, count(*)::int AS alerts FROM ${alerts} GROUP BY level ORDER BY min(score) DESC`)
  const total = levels.reduce((sum, { alerts: n }) => sum + n, 0)
  write('')
  write(`${alerts}: ${total} rows (${levels.map(({ level, alerts: n }) => `${n} ${level}`).join(', ') || 'none'})`)
  const alertColumns = `transaction_time, cc_num, amt, category, merchant, round(score::numeric, 2) AS score, level, (SELECT string_agg(reason->>'rule', ', ') FROM jsonb_array_elements(reasons) AS reason) AS reasons`
  printTable(await database.query(`SELECT ${alertColumns} FROM ${alerts} ORDER BY ${full ? 'transaction_time' : 'score DESC, transaction_time'}${full ? '' : ' LIMIT 15'}`), write)
  if (!full && total > 15) write(`  (the 15 highest scores; --full prints all ${total} rows)`)
}
