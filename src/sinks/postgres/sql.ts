import { checkedColumnType } from './column-type.js'
import type { SinkTable, Row } from './sink-config.js'

/** Quotes an identifier for PostgreSQL ("a""b"), so table and column names are never spliced raw. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** A possibly schema-qualified table name: schema.table quoted part by part. */
export function quoteTable(name: string): string {
  return name.split('.').map(quoteIdentifier).join('.')
}

export function createTableSql(table: SinkTable<unknown, unknown>): string {
  const columns = Object.entries(table.columns).map(([name, type]) => `${quoteIdentifier(name)} ${checkedColumnType(table.table, name, type)}`)
  if (table.primaryKey && table.primaryKey.length > 0) columns.push(`PRIMARY KEY (${table.primaryKey.map(quoteIdentifier).join(', ')})`)
  return `CREATE TABLE IF NOT EXISTS ${quoteTable(table.table)} (${columns.join(', ')})`
}

export function createOffsetsTableSql(offsetsTable: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteTable(offsetsTable)} (group_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL, next_offset bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (group_id, topic, partition))`
}

/** PostgreSQL takes at most 65535 parameters per statement. */
const MAX_PARAMETERS = 65_000

export interface Statement {
  text: string
  values: unknown[]
}

/**
 * One primary key as a string, for keeping the last row per key: values a key column may
 * hold, compared as PostgreSQL would (a bigint beyond 2^53 arrives as a bigint or a string,
 * which JSON.stringify refuses or tells apart from the same number).
 */
function primaryKeyOf(row: Row, key: readonly string[]): string {
  return JSON.stringify(
    key.map((column) => {
      const value = row[column]
      if (value instanceof Date) return value.toISOString()
      if (Buffer.isBuffer(value)) return value.toString('hex')
      if (typeof value === 'bigint' || typeof value === 'number') return String(value)
      return value ?? null
    }),
  )
}

/** What an INSERT does with a row whose key exists. */
function conflictClause(table: SinkTable<unknown, unknown>, columns: readonly string[]): string {
  const key = table.primaryKey ?? []
  if (key.length === 0) return ''
  const target = ` ON CONFLICT (${key.map(quoteIdentifier).join(', ')})`
  // An insert-only table with a declared key keeps the first row of each key: a record
  // redelivered under at-least-once must not stop the sink on a unique violation. An upsert
  // whose columns are all key columns has nothing to update: the row exists, it is the row.
  const updated = columns.filter((column) => !key.includes(column))
  if (table.mode === 'insert' || updated.length === 0) return `${target} DO NOTHING`
  return `${target} DO UPDATE SET ${updated.map((column) => `${quoteIdentifier(column)} = EXCLUDED.${quoteIdentifier(column)}`).join(', ')}`
}

/**
 * Multi-row INSERT statements for a batch of rows (values always as parameters). Upserts keep
 * only the last row per primary key: one statement may not update a row twice.
 */
export function insertStatements(table: SinkTable<unknown, unknown>, rows: readonly Row[]): Statement[] {
  if (rows.length === 0) return []
  const columns = Object.keys(table.columns)
  let unique = rows
  if (table.mode === 'upsert') {
    const key = table.primaryKey ?? []
    if (key.length === 0) throw new Error(`Sink table ${table.table} is 'upsert' but declares no primaryKey`)
    const last = new Map<string, Row>()
    for (const row of rows) last.set(primaryKeyOf(row, key), row)
    unique = [...last.values()]
  }
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length))
  const conflict = conflictClause(table, columns)
  const statements: Statement[] = []
  for (let start = 0; start < unique.length; start += perStatement) {
    const chunk = unique.slice(start, start + perStatement)
    const values: unknown[] = []
    const tuples = chunk.map((row) => `(${columns.map((column) => (values.push(row[column] ?? null), `$${values.length}`)).join(', ')})`)
    statements.push({ text: `INSERT INTO ${quoteTable(table.table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES ${tuples.join(', ')}${conflict}`, values })
  }
  return statements
}

