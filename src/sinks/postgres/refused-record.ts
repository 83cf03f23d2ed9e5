import { describePosition, messageOf } from '../../errors.js'
import type { Row, SinkTable } from './sink-config.js'
import { sqlStateOf } from './sqlstate.js'
import type { SinkRecord } from './table-writer.js'

/** A record's row for one table, not written yet. */
export interface PendingRow {
  readonly record: SinkRecord
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables of different key and value types
  readonly table: SinkTable<any, any>
  readonly row: Row
}

/** A record the sink could not write into one of its tables: unreadable, or its row refused by the database. */
export interface RefusedRecord {
  readonly record: SinkRecord
  readonly table: string
  /** The server's SQLSTATE; undefined when the record could not be read or mapped. */
  readonly sqlState: string | undefined
  readonly error: unknown
}

export function refusal(record: SinkRecord, table: string, error: unknown): RefusedRecord {
  return { record, table, sqlState: sqlStateOf(error), error }
}

/** "the record at topic t, partition p, offset o for table x (SQLSTATE 23502): ..." */
export function describeRefusal(refused: RefusedRecord): string {
  const state = refused.sqlState === undefined ? '' : ` (SQLSTATE ${refused.sqlState})`
  return `the record at ${describePosition(refused.record.position)} for table ${refused.table}${state}: ${messageOf(refused.error)}`
}

/** Stops the sink on a record it cannot write, naming the record and the SQLSTATE. */
export class RecordWriteError extends Error {
  override readonly name = 'RecordWriteError'
  constructor(readonly refused: RefusedRecord) {
    super(`Cannot write ${describeRefusal(refused)}`)
  }
}
