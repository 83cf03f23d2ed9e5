import { Kafka, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs'
import pg from 'pg'
import { DeserializationError, messageOf } from '../../errors.js'
import type { Serde } from '../../serde/serde.js'
import type { PostgresSinkConfig, Row, SinkTable } from './sink-config.js'
import { createOffsetsTableSql, createTableSql, insertStatements, quoteTable, saveOffsetsStatement, type Statement } from './sql.js'

const DEFAULT_OFFSETS_TABLE = 'sluice_sink_offsets'

/** Errors worth waiting out: PostgreSQL down, restarting, or refusing connections for now. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? ''
  return /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|57P0[123]|08\d\d\d|53300)$/.test(code) || /terminat|Connection|connect/i.test(messageOf(error))
}

/**
 * Writes output topics into PostgreSQL exactly once. It reads committed records only and, in
 * one database transaction per fetched batch, writes the rows and the next offset of that
 * partition into the offsets table. Its position is the one stored in PostgreSQL, not the
 * group's Kafka offsets (those are committed afterwards, for monitoring only), so a crash
 * anywhere replays at most what PostgreSQL does not have and writes nothing twice.
 */
export class PostgresSink {
  private readonly kafka: Kafka
  private readonly pool: pg.Pool
  private readonly offsetsTable: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables of different key and value types
  private readonly tablesByTopic = new Map<string, SinkTable<any, any>[]>()
  private consumer: Consumer | undefined
  /** Next offset per `topic:partition` as stored in PostgreSQL. */
  private positions = new Map<string, bigint>()
  private positionsLoaded: Promise<void> = Promise.resolve()
  private stopping = false
  private fatal: Error | undefined
  private stopped: Promise<void> | undefined
  private readonly log: (message: string) => void
  rowsWritten = 0

  constructor(readonly config: PostgresSinkConfig) {
    this.kafka = new Kafka({ clientId: `${config.groupId}-sink`, brokers: config.brokers, logLevel: logLevel.ERROR })
    this.pool = new pg.Pool({ connectionString: config.connectionString, max: 2 })
    // An idle client losing its server (a restart) must not crash the process; the next query retries.
    this.pool.on('error', () => undefined)
    this.offsetsTable = config.offsetsTable ?? DEFAULT_OFFSETS_TABLE
    this.log = config.log ?? ((message) => process.stderr.write(`[sluice sink ${config.groupId}] ${message}\n`))
    // A topic may feed several tables; they are written in the same transaction.
    for (const table of config.tables) this.tablesByTopic.set(table.topic, [...(this.tablesByTopic.get(table.topic) ?? []), table])
  }

  async start(): Promise<void> {
    await this.withRetry('create tables', async () => {
      if (this.config.createTables === false) return
      await this.pool.query(createOffsetsTableSql(this.offsetsTable))
      for (const table of this.config.tables) await this.pool.query(createTableSql(table))
    })
    await this.waitForTopics()
    this.consumer = this.kafka.consumer({ groupId: this.config.groupId, readUncommitted: false, maxWaitTimeInMs: 200 })
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.positionsLoaded = this.loadPositions()
    })
    await this.consumer.connect()
    await this.consumer.subscribe({ topics: [...this.tablesByTopic.keys()], fromBeginning: true })
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) })
    this.log(`writing ${this.config.tables.map((table) => `${table.topic} -> ${table.table} (${table.mode})`).join(', ')}`)
  }

  /** A sink may start before the topology that creates its topics: wait for them. */
  private async waitForTopics(): Promise<void> {
    const admin = this.kafka.admin()
    await admin.connect()
    try {
      for (let attempt = 0; !this.stopping; attempt++) {
        const existing = new Set(await admin.listTopics())
        const missing = [...this.tablesByTopic.keys()].filter((topic) => !existing.has(topic))
        if (missing.length === 0) return
        if (attempt % 30 === 0) this.log(`waiting for topic(s) ${missing.join(', ')} to exist`)
        await new Promise((resolve) => setTimeout(resolve, 1000))
      }
    } finally {
      await admin.disconnect()
    }
  }

  /** The error that stopped the sink, if any. */
  get error(): Error | undefined {
    return this.fatal
  }

  stop(): Promise<void> {
    this.stopping = true
    this.stopped ??= (async () => {
      await this.consumer?.disconnect()
      await this.pool.end()
    })()
    return this.stopped
  }

  /** Resolves once stop() (or a fatal error) has stopped the sink. */
  async whenStopped(): Promise<void> {
    while (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 200))
    await this.stopped
  }

  private async loadPositions(): Promise<void> {
    await this.withRetry('read offsets', async () => {
      const result = await this.pool.query<{ topic: string; partition: number; next_offset: string }>(
        `SELECT topic, partition, next_offset FROM ${quoteTable(this.offsetsTable)} WHERE group_id = $1`,
        [this.config.groupId],
      )
      this.positions = new Map(result.rows.map((row) => [`${row.topic}:${row.partition}`, BigInt(row.next_offset)]))
    })
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    try {
      await this.writeBatch(payload)
    } catch (error) {
      // Never let kafkajs retry the batch forever: stop with the error (it names the record).
      if (this.stopping) return
      this.fatal = error instanceof Error ? error : new Error(String(error))
      this.log(`stopping on error: ${this.fatal.message}`)
      setImmediate(() => void this.stop())
    }
  }

  private async writeBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    await this.positionsLoaded
    if (!isRunning() || isStale() || this.stopping) return
    const key = `${batch.topic}:${batch.partition}`
    const stored = this.positions.get(key)
    if (stored !== undefined && BigInt(batch.firstOffset() ?? '0') > stored) {
      // Kafka is ahead of what PostgreSQL holds: go back to PostgreSQL's position.
      this.consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: stored.toString() })
      return
    }
    const tables = (this.tablesByTopic.get(batch.topic) ?? []) as SinkTable<unknown, unknown>[]
    const rows: Row[][] = tables.map(() => [])
    // A schema-registry serde fetches the writer schemas of the batch here (an empty batch would mean "about to serialize").
    for (const table of batch.messages.length > 0 ? tables : []) {
      await table.key.prepare?.(batch.topic, batch.messages.map((message) => message.key))
      await table.value.prepare?.(batch.topic, batch.messages.map((message) => message.value))
    }
    for (const message of batch.messages) {
      if (stored !== undefined && BigInt(message.offset) < stored) continue
      const position = { topic: batch.topic, partition: batch.partition, offset: message.offset, timestamp: Number(message.timestamp) }
      tables.forEach((table, index) => {
        const read = <T>(serde: Serde<T>, part: 'key' | 'value', data: Buffer | null): T => {
          try {
            return serde.deserialize(batch.topic, data)
          } catch (error) {
            throw new DeserializationError(position, part, error)
          }
        }
        const row = table.row(read(table.key, 'key', message.key), read(table.value, 'value', message.value), position)
        if (row) rows[index].push(row)
      })
    }
    const next = (BigInt(batch.lastOffset()) + 1n).toString()
    const statements: Statement[] = [
      ...tables.flatMap((table, index) => insertStatements(table, rows[index])),
      saveOffsetsStatement(this.offsetsTable, this.config.groupId, [{ topic: batch.topic, partition: batch.partition, next }]),
    ]
    const rowCount = rows.reduce((sum, list) => sum + list.length, 0)
    await this.withRetry(`write ${rowCount} rows`, () => this.transaction(statements), heartbeat)
    this.positions.set(key, BigInt(next))
    this.rowsWritten += rowCount
    resolveOffset(batch.lastOffset())
    // For lag monitoring only: the position that counts is the one in PostgreSQL.
    await this.consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]).catch(() => undefined)
  }

  private async transaction(statements: readonly Statement[]): Promise<void> {
    const client = await this.pool.connect()
    // A server that goes away mid-transaction emits 'error' on the checked-out client; without
    // a listener that would crash the process. The failing query rejects anyway and is retried.
    const ignore = (): void => undefined
    client.on('error', ignore)
    try {
      await client.query('BEGIN')
      for (const statement of statements) await client.query(statement.text, statement.values)
      await client.query('COMMIT')
      client.off('error', ignore)
      client.release()
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      client.off('error', ignore)
      client.release(true)
      throw error
    }
  }

  /** Retries while PostgreSQL is unreachable, with a growing pause; other errors stop the sink. */
  private async withRetry(what: string, attempt: () => Promise<void>, heartbeat?: () => Promise<void>): Promise<void> {
    let backoff = 100
    for (;;) {
      try {
        await attempt()
        return
      } catch (error) {
        if (!isTransient(error) || this.stopping) throw error
        this.log(`PostgreSQL unavailable (${messageOf(error)}); retrying "${what}" in ${backoff} ms`)
        await new Promise((resolve) => setTimeout(resolve, backoff))
        backoff = Math.min(backoff * 2, this.config.maxBackoffMs ?? 5000)
        await heartbeat?.()
      }
    }
  }
}
