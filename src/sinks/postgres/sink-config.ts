import type { Serde } from '../../serde/serde.js'

/** Where a row came from, for mappings that want it. */
export interface SourcePosition {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly timestamp: number
}

export type Row = { readonly [column: string]: unknown }

/** One topic written into one table. */
export interface SinkTable<K, V> {
  topic: string
  table: string
  key: Serde<K>
  value: Serde<V>
  /** 'upsert' replaces the row with the same primary key; 'insert' only ever adds rows. */
  mode: 'upsert' | 'insert'
  /** Column names and SQL types, used when the sink creates the table. */
  columns: { readonly [column: string]: string }
  /** Upsert: the conflict target. Insert: optional unique key; a row whose key exists is skipped. */
  primaryKey?: readonly string[]
  /** The row for a record, or null to write nothing for it (a tombstone, say). */
  row: (key: K, value: V, source: SourcePosition) => Row | null
}

/**
 * Where a record goes that the sink cannot write: a row the database refuses (a NUL byte in
 * text, a NOT NULL or check violation, a value out of range) or a record it cannot read. A
 * table gets it in the same transaction as the rows and offsets (exactly once); a topic gets
 * the raw record with the error in headers before that transaction commits (at least once).
 * 'stop' stops the sink with an error naming the record instead.
 */
export type SinkDeadLetter = { readonly table: string } | { readonly topic: string } | 'stop'

export interface PostgresSinkConfig {
  /** Consumer group, and the key of this sink's rows in the offsets table. */
  groupId: string
  brokers: string[]
  /** postgres://user:password@host:port/database */
  connectionString: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables of different key and value types
  tables: readonly SinkTable<any, any>[]
  /** Table of (group_id, topic, partition) -> next offset, written with the rows (default sluice_sink_offsets). */
  offsetsTable?: string
  /** Default: the table sluice_sink_dead_letters. */
  deadLetter?: SinkDeadLetter
  /** Create the tables (and the offsets table) if they do not exist (default true). */
  createTables?: boolean
  /** Largest backoff between attempts while PostgreSQL is unreachable (default 5 s). */
  maxBackoffMs?: number
  /** Serve the sink's metrics in the Prometheus text format at http://127.0.0.1:<port>/metrics (0: any free port). */
  metricsPort?: number
  log?: (message: string) => void
}

/** Declares a sink in a config file for `sluice sink <file>`: `export default definePostgresSink({...})`. */
export function definePostgresSink(config: PostgresSinkConfig): PostgresSinkConfig {
  return config
}
