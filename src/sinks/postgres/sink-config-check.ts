import { SinkConfigError } from '../../errors.js'
import { checkedColumnType } from './column-type.js'
import type { PostgresSinkConfig, SinkTable } from './sink-config.js'

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== ''

/** Refuses a table mapping that could only fail later, at its first batch or on the server. */
export function checkSinkTable(table: SinkTable<unknown, unknown>): void {
  const name = nonEmpty(table.table) ? table.table : JSON.stringify(table.table)
  if (!nonEmpty(table.table)) throw new SinkConfigError(`A sink table needs a table name, got ${name}`)
  if (!nonEmpty(table.topic)) throw new SinkConfigError(`Sink table ${name} needs a topic`)
  if (table.mode !== 'insert' && table.mode !== 'upsert') throw new SinkConfigError(`Sink table ${name}: mode must be 'insert' or 'upsert', got ${JSON.stringify(table.mode)}`)
  if (typeof table.row !== 'function') throw new SinkConfigError(`Sink table ${name} needs a row function`)
  const columns = Object.entries(table.columns ?? {})
  if (columns.length === 0) throw new SinkConfigError(`Sink table ${name} declares no columns`)
  for (const [column, type] of columns) checkedColumnType(name, column, type)
  const key = table.primaryKey ?? []
  for (const column of key) if (!Object.hasOwn(table.columns, column)) throw new SinkConfigError(`Sink table ${name}: primary key column ${column} is not among its columns`)
  if (table.mode === 'upsert' && key.length === 0) throw new SinkConfigError(`Sink table ${name} is 'upsert' but declares no primaryKey`)
}

/** Everything a sink can check before it connects to Kafka or PostgreSQL. */
export function checkSinkConfig(config: PostgresSinkConfig): void {
  if (!nonEmpty(config.groupId)) throw new SinkConfigError('A sink needs a groupId')
  if (!Array.isArray(config.tables) || config.tables.length === 0) throw new SinkConfigError(`Sink ${config.groupId} declares no tables`)
  for (const table of config.tables) checkSinkTable(table)
  if (config.offsetsTable !== undefined && !nonEmpty(config.offsetsTable)) throw new SinkConfigError(`Sink ${config.groupId}: offsetsTable must be a table name`)
  const deadLetter = config.deadLetter
  if (deadLetter !== undefined && deadLetter !== 'stop') {
    const table = 'table' in deadLetter ? deadLetter.table : undefined
    const topic = 'topic' in deadLetter ? deadLetter.topic : undefined
    if (nonEmpty(table) === nonEmpty(topic)) throw new SinkConfigError(`Sink ${config.groupId}: deadLetter must be { table }, { topic } or 'stop', got ${JSON.stringify(deadLetter)}`)
  }
}
