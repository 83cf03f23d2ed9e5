import { DeserializationError } from '../../errors.js'
import type { Serde } from '../../serde/serde.js'
import { refusal, type PendingRow, type RefusedRecord } from './refused-record.js'
import { checkSinkTable } from './sink-config-check.js'
import type { SinkTable, SourcePosition } from './sink-config.js'
import type { SqlDatabase } from './sql-database.js'
import { createTableSql, insertStatements, type Statement } from './sql.js'

/** A record as read from an output topic, still in bytes. */
export interface SinkRecord {
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly position: SourcePosition
}

/**
 * Turns records of output topics into rows of their tables: the mapping shared by the Kafka
 * sink (PostgresSink) and the in-process pipeline of the demo, which has no Kafka to read.
 */
export class TableWriter {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables of different key and value types
  private readonly tablesByTopic = new Map<string, SinkTable<any, any>[]>()

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables of different key and value types
  constructor(readonly tables: readonly SinkTable<any, any>[]) {
    // Before any SQL is built: a column type is spliced into CREATE TABLE.
    for (const table of tables) checkSinkTable(table)
    // A topic may feed several tables; they are written in the same transaction.
    for (const table of tables) this.tablesByTopic.set(table.topic, [...(this.tablesByTopic.get(table.topic) ?? []), table])
  }

  topics(): string[] {
    return [...this.tablesByTopic.keys()]
  }

  async createTables(database: SqlDatabase): Promise<void> {
    for (const table of this.tables) await database.query(createTableSql(table))
  }

  /** Lets schema-registry serdes fetch the schemas these records need before they are decoded. */
  async prepare(topic: string, records: readonly SinkRecord[]): Promise<void> {
    // An empty batch would tell a registry serde "about to serialize": nothing to read here.
    if (records.length === 0) return
    for (const table of this.tablesByTopic.get(topic) ?? []) {
      await table.key.prepare?.(topic, records.map((record) => record.key))
      await table.value.prepare?.(topic, records.map((record) => record.value))
    }
  }

  /**
   * The rows for these records (all of one topic), in record order, for every table fed by the
   * topic. A record that cannot be read or mapped into one table's row is returned as unreadable.
   */
  rows(topic: string, records: readonly SinkRecord[]): { rows: PendingRow[]; unreadable: RefusedRecord[] } {
    const tables = (this.tablesByTopic.get(topic) ?? []) as SinkTable<unknown, unknown>[]
    const rows: PendingRow[] = []
    const unreadable: RefusedRecord[] = []
    for (const record of records) {
      for (const table of tables) {
        const read = <T>(serde: Serde<T>, part: 'key' | 'value', data: Buffer | null): T => {
          try {
            return serde.deserialize(topic, data)
          } catch (error) {
            throw new DeserializationError(record.position, part, error)
          }
        }
        try {
          const row = table.row(read(table.key, 'key', record.key), read(table.value, 'value', record.value), record.position)
          if (row) rows.push({ record, table, row })
        } catch (error) {
          unreadable.push(refusal(record, table.table, error))
        }
      }
    }
    return { rows, unreadable }
  }

  /** Multi-row statements writing these rows, table by table. */
  insertStatements(rows: readonly PendingRow[]): Statement[] {
    const byTable = new Map<SinkTable<unknown, unknown>, PendingRow['row'][]>()
    for (const { table, row } of rows) {
      const list = byTable.get(table) ?? []
      if (list.length === 0) byTable.set(table, list)
      list.push(row)
    }
    return [...byTable].flatMap(([table, tableRows]) => insertStatements(table, tableRows))
  }

  /** The statements writing these records (all of one topic) into every table fed by it; throws on a record it cannot read. */
  statements(topic: string, records: readonly SinkRecord[]): { statements: Statement[]; rowCount: number } {
    const { rows, unreadable } = this.rows(topic, records)
    if (unreadable.length > 0) throw unreadable[0].error
    return { statements: this.insertStatements(rows), rowCount: rows.length }
  }

  /** Writes records of one topic in one transaction; returns the number of rows written. */
  async write(database: SqlDatabase, topic: string, records: readonly SinkRecord[]): Promise<number> {
    await this.prepare(topic, records)
    const { statements, rowCount } = this.statements(topic, records)
    if (statements.length > 0) await database.transaction(statements)
    return rowCount
  }
}
