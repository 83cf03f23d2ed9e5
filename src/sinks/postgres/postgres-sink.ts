import '../../runtime/kafka/kafkajs-corrections.js' // corrects kafkajs before it loads
import { Kafka, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs'
import { messageOf } from '../../errors.js'
import { PgDatabase } from './pg-database.js'
import type { PostgresSinkConfig } from './sink-config.js'
import { createOffsetsTableSql, quoteTable, saveOffsetsStatement } from './sql.js'
import { TableWriter } from './table-writer.js'

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
  private readonly database: PgDatabase
  private readonly offsetsTable: string
  private readonly writer: TableWriter
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
    this.database = new PgDatabase(config.connectionString)
    this.writer = new TableWriter(config.tables)
    this.offsetsTable = config.offsetsTable ?? DEFAULT_OFFSETS_TABLE
    this.log = config.log ?? ((message) => process.stderr.write(`[sluice sink ${config.groupId}] ${message}\n`))
  }

  async start(): Promise<void> {
    // Two sinks creating the same table at once: one of them gets a duplicate error; its retry finds the table.
    const concurrentCreate = (error: unknown): boolean => /^(23505|42P07|42P06)$/.test((error as { code?: string }).code ?? '')
    await this.withRetry('create tables', async () => {
      if (this.config.createTables === false) return
      await this.database.query(createOffsetsTableSql(this.offsetsTable))
      await this.writer.createTables(this.database)
    }, undefined, concurrentCreate)
    await this.waitForTopics()
    this.consumer = this.kafka.consumer({ groupId: this.config.groupId, readUncommitted: false, maxWaitTimeInMs: 200 })
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.positionsLoaded = this.loadPositions()
    })
    await this.consumer.connect()
    await this.consumer.subscribe({ topics: this.writer.topics(), fromBeginning: true })
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
        const missing = this.writer.topics().filter((topic) => !existing.has(topic))
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
      await this.database.close()
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
      const rows = await this.database.query<{ topic: string; partition: number; next_offset: string }>(
        `SELECT topic, partition, next_offset FROM ${quoteTable(this.offsetsTable)} WHERE group_id = $1`,
        [this.config.groupId],
      )
      this.positions = new Map(rows.map((row) => [`${row.topic}:${row.partition}`, BigInt(row.next_offset)]))
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
    const records = batch.messages
      .filter((message) => stored === undefined || BigInt(message.offset) >= stored)
      .map((message) => ({ key: message.key, value: message.value, position: { topic: batch.topic, partition: batch.partition, offset: message.offset, timestamp: Number(message.timestamp) } }))
    await this.writer.prepare(batch.topic, records)
    const { statements, rowCount } = this.writer.statements(batch.topic, records)
    const next = (BigInt(batch.lastOffset()) + 1n).toString()
    statements.push(saveOffsetsStatement(this.offsetsTable, this.config.groupId, [{ topic: batch.topic, partition: batch.partition, next }]))
    await this.withRetry(`write ${rowCount} rows`, () => this.database.transaction(statements), heartbeat)
    this.positions.set(key, BigInt(next))
    this.rowsWritten += rowCount
    resolveOffset(batch.lastOffset())
    // For lag monitoring only: the position that counts is the one in PostgreSQL.
    await this.consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]).catch(() => undefined)
  }

  /** Retries while PostgreSQL is unreachable (or `alsoRetry` says so), with a growing pause; other errors stop the sink. */
  private async withRetry(what: string, attempt: () => Promise<void>, heartbeat?: () => Promise<void>, alsoRetry?: (error: unknown) => boolean): Promise<void> {
    let backoff = 100
    for (;;) {
      try {
        await attempt()
        return
      } catch (error) {
        const retry = isTransient(error) || alsoRetry?.(error) === true
        if (!retry || this.stopping) throw error
        this.log(`${isTransient(error) ? 'PostgreSQL unavailable' : 'conflict'} (${messageOf(error)}); retrying "${what}" in ${backoff} ms`)
        await new Promise((resolve) => setTimeout(resolve, backoff))
        backoff = Math.min(backoff * 2, this.config.maxBackoffMs ?? 5000)
        await heartbeat?.()
      }
    }
  }
}
