import type { Serde } from './serde.js'
import { decodeUtf8 } from './utf8.js'

/** Debezium's operations: create (insert), update, delete, and read (a row of the initial snapshot). */
export type DebeziumOp = 'c' | 'u' | 'd' | 'r'

/**
 * One Debezium change event from PostgreSQL, read from its envelope.
 *
 * - `c` (insert) and `r` (snapshot read): `after` is the row, `before` is null.
 * - `u` (update): `after` is the new row; `before` is the old row only with REPLICA IDENTITY
 *   FULL on the table, otherwise null (PostgreSQL does not log it).
 * - `d` (delete): `after` is null; `before` holds the primary-key columns (all columns with
 *   REPLICA IDENTITY FULL), hence `Partial<T>`.
 */
export interface DebeziumChange<T> {
  op: DebeziumOp
  before: Partial<T> | null
  after: T | null
  /** When the change happened in the database (`payload.source.ts_ms`), if present. */
  sourceTsMs?: number
  /** When the connector processed it (`payload.ts_ms`), if present. */
  tsMs?: number
  /** `payload.source.schema` and `payload.source.table`, if present. */
  table?: string
  /** True for the rows of the initial snapshot (`payload.source.snapshot` other than "false"). */
  snapshot?: boolean
  /**
   * The change's position in the write-ahead log (`payload.source.lsn`) and its transaction
   * (`payload.source.txId`), if present. A change the connector sends again after a restart
   * has the same ones; the rows of one snapshot all share the snapshot's LSN.
   */
  lsn?: number
  txId?: number
}

export interface DebeziumSerdeOptions<T> {
  /** Checks each `after` row (c, u, r); a row that fails makes the record fail with a clear reason. */
  validate?: (row: unknown) => row is T
}

const OPS: readonly string[] = ['c', 'u', 'd', 'r']

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fail(reason: string): never {
  throw new Error(`malformed Debezium envelope: ${reason}`)
}

/**
 * The payload of a Debezium JSON message: `{ schema, payload }` with the JSON converter's
 * schemas enabled, or the payload itself with `value.converter.schemas.enable=false`.
 */
function payloadOf(data: Buffer, what: string): { [key: string]: unknown } {
  let text: string
  try {
    text = decodeUtf8(data, `the ${what} bytes`)
  } catch (error) {
    fail((error as Error).message)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    fail(`the ${what} is not JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  if (!isObject(parsed)) fail(`the ${what} is not a JSON object`)
  if (Object.hasOwn(parsed, 'payload')) {
    if (!isObject(parsed.payload)) fail(`"payload" is ${parsed.payload === null ? 'null' : `not an object`}`)
    return parsed.payload
  }
  if (Object.hasOwn(parsed, 'schema')) fail('it has a "schema" but no "payload"')
  return parsed
}

/** Reads a change event; throws an Error naming what is wrong with a malformed one. */
export function parseDebeziumChange<T>(data: Buffer, options: DebeziumSerdeOptions<T> = {}): DebeziumChange<T> {
  const payload = payloadOf(data, 'value')
  if (!Object.hasOwn(payload, 'op')) fail('no "payload" with an "op" (neither { schema, payload } nor a payload-only event)')
  const op = payload.op
  if (typeof op !== 'string' || !OPS.includes(op)) fail(`unknown op ${JSON.stringify(op)} (expected c, u, d or r)`)
  const { before, after } = payload
  if (before !== undefined && before !== null && !isObject(before)) fail(`"before" of an op "${op}" event is not an object`)
  if (op === 'd') {
    if (after !== undefined && after !== null) fail('a delete (op "d") has an "after" row')
  } else {
    if (!isObject(after)) fail(`op "${op}" without an "after" row`)
    if (options.validate && !options.validate(after)) fail(`the "after" row of an op "${op}" event does not have the expected shape`)
  }
  const change: DebeziumChange<T> = { op: op as DebeziumOp, before: (before ?? null) as Partial<T> | null, after: (after ?? null) as T | null }
  const source = payload.source
  if (isObject(source)) {
    if (typeof source.ts_ms === 'number') change.sourceTsMs = source.ts_ms
    if (typeof source.table === 'string') change.table = typeof source.schema === 'string' ? `${source.schema}.${source.table}` : source.table
    if (source.snapshot !== undefined && source.snapshot !== null) change.snapshot = source.snapshot !== false && source.snapshot !== 'false'
    if (typeof source.lsn === 'number') change.lsn = source.lsn
    if (typeof source.txId === 'number') change.txId = source.txId
  }
  if (typeof payload.ts_ms === 'number') change.tsMs = payload.ts_ms
  return change
}

/**
 * Debezium change events from PostgreSQL (JSON converter; decimal.handling.mode=double, so
 * numeric columns arrive as plain numbers), as `DebeziumChange<T>`.
 *
 * How changes are handled:
 * - A Kafka tombstone (null value, which Debezium writes after each delete for log
 *   compaction) deserializes to `null`; it is not an error.
 * - Inserts, snapshot reads, updates and deletes all come through as changes; what they mean
 *   downstream is decided by `debeziumRows` (or by your own mapper).
 * - A malformed envelope throws an Error whose message starts with "malformed Debezium
 *   envelope:" and names the reason: not JSON, not an object, no payload, unknown op
 *   (including truncate "t" and message "m" events), no `after` row for c/u/r, an `after` row
 *   that fails `validate`. The task wraps it with topic, partition and offset, so the record
 *   stops the application or, with a dead-letter topic configured, goes there.
 *
 * Serializing writes the payload-only form (`{ op, before, after, ts_ms, source }`).
 */
export function debeziumSerde<T>(options: DebeziumSerdeOptions<T> = {}): Serde<DebeziumChange<T> | null> {
  return {
    name: 'debezium',
    serialize: (_topic, change) => {
      if (change === null || change === undefined) return null
      const source: { [key: string]: unknown } = {}
      if (change.sourceTsMs !== undefined) source.ts_ms = change.sourceTsMs
      if (change.table !== undefined) {
        const dot = change.table.indexOf('.')
        if (dot >= 0) source.schema = change.table.slice(0, dot)
        source.table = change.table.slice(dot + 1)
      }
      if (change.snapshot !== undefined) source.snapshot = String(change.snapshot)
      if (change.lsn !== undefined) source.lsn = change.lsn
      if (change.txId !== undefined) source.txId = change.txId
      return Buffer.from(JSON.stringify({ before: change.before, after: change.after, source, op: change.op, ts_ms: change.tsMs ?? null }), 'utf8')
    },
    deserialize: (_topic, data) => (data === null ? null : parseDebeziumChange(data, options)),
  }
}

/**
 * Debezium message keys: the key struct's payload (the primary-key columns, e.g.
 * `{ trans_num: '…' }`), with or without the schema part. A null key stays null.
 */
export function debeziumKeySerde<K>(): Serde<K | null> {
  return {
    name: 'debezium-key',
    serialize: (_topic, key) => (key === null || key === undefined ? null : Buffer.from(JSON.stringify(key), 'utf8')),
    deserialize: (_topic, data) => (data === null ? null : (payloadOf(data, 'key') as K)),
  }
}

export interface DebeziumRowsOptions {
  /** 'after' (default): an update yields the new row. 'skip': updates are dropped, for insert-only facts. */
  updates?: 'after' | 'skip'
  /** 'skip' (default): deletes yield nothing. 'tombstone': a delete yields null, for tables and upserting sinks. */
  deletes?: 'skip' | 'tombstone'
}

/**
 * Turns a change stream into a row stream, for `flatMapValues`:
 *
 * ```ts
 * b.stream('pg.public.transactions', { key: debeziumKeySerde<{ trans_num: string }>(), value: debeziumSerde<Transaction>() })
 *   .flatMapValues(debeziumRows<Transaction>())          // KStream<…, Transaction>
 * ```
 *
 * - `c` (insert) and `r` (snapshot read) yield the `after` row.
 * - `u` yields the new row by default: the stream then carries the latest version of each row,
 *   so a count over it counts an updated row twice. For insert-only facts such as card
 *   transactions, pass `{ updates: 'skip' }`.
 * - `d` yields nothing by default (an event stream keeps what happened); with
 *   `{ deletes: 'tombstone' }` it yields `null`, which a KTable or an upserting sink reads as
 *   a delete of the record's key.
 * - A Kafka tombstone (null change) yields nothing: Debezium's delete event came before it.
 */
export function debeziumRows<T>(options?: DebeziumRowsOptions & { deletes?: 'skip' }): (change: DebeziumChange<T> | null) => T[]
export function debeziumRows<T>(options: DebeziumRowsOptions & { deletes: 'tombstone' }): (change: DebeziumChange<T> | null) => (T | null)[]
export function debeziumRows<T>(options: DebeziumRowsOptions = {}): (change: DebeziumChange<T> | null) => (T | null)[] {
  const updates = options.updates ?? 'after'
  const deletes = options.deletes ?? 'skip'
  return (change) => {
    if (change === null) return []
    switch (change.op) {
      case 'c':
      case 'r':
        return [change.after as T]
      case 'u':
        return updates === 'after' ? [change.after as T] : []
      case 'd':
        return deletes === 'tombstone' ? [null] : []
    }
  }
}
