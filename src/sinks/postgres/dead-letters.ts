import type { Message } from 'sluice-kafkajs'
import { messageOf } from '../../errors.js'
import { DEAD_LETTER_HEADERS } from '../../runtime/dead-letter.js'
import type { TransactionClient } from './pg-database.js'
import { RecordWriteError, type RefusedRecord } from './refused-record.js'
import type { SinkDeadLetter } from './sink-config.js'
import { quoteTable, type Statement } from './sql.js'

export const DEFAULT_DEAD_LETTER_TABLE = 'sluice_sink_dead_letters'

/** Headers a sink adds to the runtime's dead-letter headers. */
export const SINK_DEAD_LETTER_HEADERS = {
  ...DEAD_LETTER_HEADERS,
  table: 'sluice.sink.table',
  sqlState: 'sluice.sqlstate',
} as const

/** Where refused records go, inside the transaction that writes the rest of their batch. */
export interface DeadLetterDestination {
  /** Called before COMMIT: throwing rolls the whole batch back. */
  write(tx: TransactionClient, refused: readonly RefusedRecord[]): Promise<void>
  /** DDL to run at start, if the destination is a table. */
  readonly createSql: string | undefined
}

/** PostgreSQL refuses NUL in text: an error quoting a bad value must not be refused in turn. */
const text = (value: string): string => value.replace(/\0/g, '\\0')

export function createDeadLetterTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteTable(table)} (group_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL, "offset" bigint NOT NULL, target_table text NOT NULL, sqlstate text, error text NOT NULL, record_key bytea, record_value bytea, record_timestamp timestamptz, dead_lettered_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (group_id, topic, partition, "offset", target_table))`
}

/** One row per refused record and table; a batch written again after a crash adds none twice. */
export function deadLetterStatement(table: string, groupId: string, refused: readonly RefusedRecord[]): Statement {
  const values: unknown[] = []
  const tuples = refused.map(({ record, table: target, sqlState, error }) => {
    const first = values.length + 1
    values.push(groupId, record.position.topic, record.position.partition, record.position.offset, target, sqlState ?? null, text(messageOf(error)), record.key, record.value, new Date(record.position.timestamp))
    return `(${values.slice(first - 1).map((_, index) => `$${first + index}`).join(', ')})`
  })
  return {
    text: `INSERT INTO ${quoteTable(table)} (group_id, topic, partition, "offset", target_table, sqlstate, error, record_key, record_value, record_timestamp) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`,
    values,
  }
}

/** The refused record as it was read (raw key and value), with why and where from in headers. */
export function deadLetterMessage(refused: RefusedRecord): Message {
  const { record } = refused
  const headers: { [name: string]: string } = {
    [SINK_DEAD_LETTER_HEADERS.error]: messageOf(refused.error),
    [SINK_DEAD_LETTER_HEADERS.errorClass]: refused.error instanceof Error ? refused.error.name : typeof refused.error,
    [SINK_DEAD_LETTER_HEADERS.topic]: record.position.topic,
    [SINK_DEAD_LETTER_HEADERS.partition]: String(record.position.partition),
    [SINK_DEAD_LETTER_HEADERS.offset]: record.position.offset,
    [SINK_DEAD_LETTER_HEADERS.table]: refused.table,
  }
  if (refused.sqlState !== undefined) headers[SINK_DEAD_LETTER_HEADERS.sqlState] = refused.sqlState
  return { key: record.key, value: record.value, timestamp: String(record.position.timestamp), headers }
}

/**
 * The destination a sink config names. A table is written in the batch's transaction (exactly
 * once). A topic is sent to before the transaction commits: a crash between the two sends the
 * record again when the batch is retried (at least once).
 */
export function deadLetterDestination(config: SinkDeadLetter | undefined, groupId: string, send: (topic: string, messages: Message[]) => Promise<void>): DeadLetterDestination {
  if (config === 'stop') {
    return {
      createSql: undefined,
      write: async (_tx, refused) => {
        if (refused.length > 0) throw new RecordWriteError(refused[0])
      },
    }
  }
  if (config !== undefined && 'topic' in config) {
    return {
      createSql: undefined,
      write: async (_tx, refused) => {
        if (refused.length > 0) await send(config.topic, refused.map(deadLetterMessage))
      },
    }
  }
  const table = config?.table ?? DEFAULT_DEAD_LETTER_TABLE
  return {
    createSql: createDeadLetterTableSql(table),
    write: async (tx, refused) => {
      // 10 parameters a row: well below PostgreSQL's 65535 per statement for any fetched batch.
      for (let start = 0; start < refused.length; start += 5000) {
        const statement = deadLetterStatement(table, groupId, refused.slice(start, start + 5000))
        await tx.query(statement.text, statement.values)
      }
    },
  }
}
