// sluice/postgres: the exactly-once PostgreSQL sink (needs the `pg` driver only when used).

export { PostgresSink } from './sinks/postgres/postgres-sink.js'
export { TableWriter, type SinkRecord } from './sinks/postgres/table-writer.js'
export { PgDatabase } from './sinks/postgres/pg-database.js'
export type { SqlDatabase } from './sinks/postgres/sql-database.js'
export type { Statement } from './sinks/postgres/sql.js'
export { definePostgresSink, type PostgresSinkConfig, type Row, type SinkTable, type SourcePosition } from './sinks/postgres/sink-config.js'
export { quoteIdentifier, quoteTable } from './sinks/postgres/sql.js'
export type { SinkDeadLetter } from './sinks/postgres/sink-config.js'
export type { PendingRow, RefusedRecord } from './sinks/postgres/refused-record.js'
export type { TransactionClient } from './sinks/postgres/pg-database.js'
