import { requireKafkajsCorrections } from '../../runtime/kafka/kafkajs/kafkajs-corrections.js' // first: corrects kafkajs before it loads
import { Partitioners, type EachBatchPayload, type Kafka, type Message, type Producer } from 'sluice-kafkajs'
import { messageOf } from '../../errors.js'
import { topicPartitionKey } from '../../base/topic-partition.js'
import { worthAnotherStartAttempt } from '../../runtime/kafka/fault-classification.js'
import type { GroupSession } from '../../runtime/kafka/group-session.js'
import { retryRetriable } from '../../runtime/kafka/retry-retriable.js'
import type { KafkaClient } from '../../runtime/kafka/client/kafka-client.js'
import { KafkajsClient } from '../../runtime/kafka/kafkajs/kafkajs-client.js'
import { deadLetterDestination, type DeadLetterDestination } from './dead-letters.js'
import { PgDatabase, type TransactionClient } from './pg-database.js'
import { describeRefusal, RecordWriteError, type RefusedRecord } from './refused-record.js'
import { writeRowByRow } from './row-by-row.js'
import { checkSinkConfig } from './sink-config-check.js'
import type { PostgresSinkConfig } from './sink-config.js'
import { createOffsetsTableSql, quoteTable } from './sql.js'
import { advanceStoredPosition, PositionMovedError } from './stored-position.js'
import { isTransient, sqlStateOf } from './sqlstate.js'
import { TableWriter, type SinkRecord } from './table-writer.js'
import { SinkMetrics } from './sink-metrics.js'
import { SinkLifecycle } from '../sink-lifecycle.js'
import { SinkGroup } from '../sink-group.js'
import { waitForTopics } from '../topic-wait.js'
import { MetricsServer } from '../../runtime/metrics/metrics-server.js'

const DEFAULT_OFFSETS_TABLE = 'sluice_sink_offsets'
/** How long start() waits for a Kafka cluster that does not answer. */
const STARTUP_TIMEOUT_MS = 300_000

/**
 * Writes output topics into PostgreSQL exactly once. It reads committed records only and, in
 * one database transaction per fetched batch, writes the rows and the next offset of that
 * partition into the offsets table. Its position is the one stored in PostgreSQL, not the
 * group's Kafka offsets (those are committed afterwards, for monitoring only), so a crash
 * anywhere replays at most what PostgreSQL does not have and writes nothing twice.
 */
export class PostgresSink {
  private readonly client: KafkaClient
  /** kafkajs itself, for the consumer and producer that do not go through the client interface yet. */
  private readonly kafka: Kafka
  private readonly database: PgDatabase
  private readonly offsetsTable: string
  private readonly writer: TableWriter
  private readonly deadLetters: DeadLetterDestination
  private readonly deadLetterTopic: string | undefined
  /** The sink's membership of its group, joined again after the consumer stopped on an error. */
  private readonly group: SinkGroup
  /** Only for a dead-letter topic. */
  private producer: Producer | undefined
  /** Next offset per `topic:partition` as stored in PostgreSQL. */
  private positions = new Map<string, bigint>()
  private positionsLoaded: Promise<void> = Promise.resolve()
  private readonly lifecycle: SinkLifecycle
  private readonly log: (message: string) => void
  rowsWritten = 0
  /** The sink's Prometheus metrics (served at /metrics with config.metricsPort, or by `run --sink` with the topology's). */
  readonly metrics: SinkMetrics
  private metricsServer: MetricsServer | undefined
  /** The metrics endpoint's URL (…/metrics) while it runs (config.metricsPort set). */
  metricsUrl: string | undefined
  /** Records sent to the dead-letter destination (one per record and table). */
  recordsDeadLettered = 0

  constructor(readonly config: PostgresSinkConfig) {
    // A config that cannot work fails here, before anything connects or any SQL is built.
    checkSinkConfig(config)
    const client = new KafkajsClient({ clientId: `${config.groupId}-sink`, brokers: config.brokers })
    this.client = client
    this.kafka = client.kafkajs
    this.database = new PgDatabase(config.connectionString)
    this.writer = new TableWriter(config.tables)
    this.offsetsTable = config.offsetsTable ?? DEFAULT_OFFSETS_TABLE
    this.log = config.log ?? ((message) => process.stderr.write(`[sluice sink ${config.groupId}] ${message}\n`))
    this.lifecycle = new SinkLifecycle(this.log, () => [
      ['consumer', () => this.group.leave()],
      ['dead-letter producer', this.producer && (() => (this.producer as Producer).disconnect())],
      ['PostgreSQL pool', () => this.database.close()],
      ['metrics server', this.metricsServer && (() => (this.metricsServer as MetricsServer).close())],
    ])
    const deadLetter = config.deadLetter
    this.deadLetterTopic = deadLetter !== undefined && deadLetter !== 'stop' && 'topic' in deadLetter ? deadLetter.topic : undefined
    this.deadLetters = deadLetterDestination(config.deadLetter, config.groupId, (topic, messages) => this.sendDeadLetters(topic, messages))
    this.metrics = new SinkMetrics(config.groupId)
    this.group = this.createGroup()
  }

  async start(): Promise<void> {
    requireKafkajsCorrections('the PostgreSQL sink (it reads committed records only)')
    if (this.config.metricsPort !== undefined) {
      this.metricsServer = new MetricsServer([this.metrics], { log: this.log })
      this.metricsUrl = `${await this.metricsServer.listen('127.0.0.1', this.config.metricsPort)}/metrics`
      this.log(`metrics at ${this.metricsUrl}`)
    }
    // Two sinks creating the same table at once: one of them gets a duplicate error; its retry finds the table.
    const concurrentCreate = (error: unknown): boolean => /^(23505|42P07|42P06)$/.test((error as { code?: string }).code ?? '')
    await this.withRetry('create tables', async () => {
      if (this.config.createTables === false) return
      await this.database.query(createOffsetsTableSql(this.offsetsTable))
      if (this.deadLetters.createSql) await this.database.query(this.deadLetters.createSql)
      await this.writer.createTables(this.database)
    }, undefined, concurrentCreate)
    // A cluster that is restarting (or not up yet) is waited for, as a supervisor restarting the sink then expects.
    await retryRetriable(`connecting to ${this.config.brokers.join(',')}`, () => waitForTopics(this.client, this.writer.topics(), { deadLetterTopic: this.deadLetterTopic, stopping: () => this.lifecycle.stopping, log: this.log }), this.log, STARTUP_TIMEOUT_MS, worthAnotherStartAttempt)
    if (this.lifecycle.stopping) return
    if (this.deadLetterTopic !== undefined) {
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
      await this.producer.connect()
    }
    await retryRetriable('joining the group', () => this.group.join(), this.log, STARTUP_TIMEOUT_MS, worthAnotherStartAttempt)
    this.log(`writing ${this.config.tables.map((table) => `${table.topic} -> ${table.table} (${table.mode})`).join(', ')}`)
  }

  private createGroup(): SinkGroup {
    return new SinkGroup(this.kafka, this.config.groupId, this.writer.topics(), {
      onBatch: (payload, session) => this.onBatch(payload, session),
      // Not awaited here (an event listener); the next batch awaits it. A failure stops the sink.
      onJoin: () => {
        this.positionsLoaded = this.loadPositions().catch((error: unknown) => this.fail(new Error(`Cannot read the stored offsets from ${this.offsetsTable}: ${messageOf(error)}`, { cause: error })))
      },
    }, { stopping: () => this.lifecycle.stopping, log: this.log })
  }

  /** The error that stopped the sink, if any. */
  get error(): Error | undefined {
    return this.lifecycle.error
  }

  /** Never rejects: a client failing to disconnect is logged (and is no reason to stay up). */
  stop(): Promise<void> {
    return this.lifecycle.stop()
  }

  /** Stops the sink with this error (the first one wins); nothing more is written. */
  private fail(error: Error): void {
    this.lifecycle.fail(error)
  }

  /** Resolves once stop() (or a fatal error) has stopped the sink. */
  whenStopped(): Promise<void> {
    return this.lifecycle.whenStopped()
  }

  private async loadPositions(): Promise<void> {
    await this.withRetry('read offsets', async () => {
      const rows = await this.database.query<{ topic: string; partition: number; next_offset: string }>(
        `SELECT topic, partition, next_offset FROM ${quoteTable(this.offsetsTable)} WHERE group_id = $1`,
        [this.config.groupId],
      )
      this.positions = new Map(rows.map((row) => [topicPartitionKey(row), BigInt(row.next_offset)]))
    })
  }

  private async onBatch(payload: EachBatchPayload, session: GroupSession): Promise<void> {
    try {
      await this.writeBatch(payload, session)
    } catch (error) {
      // The group's own trouble (a rebalance, a lost member, a broker gone) is kafkajs's to
      // handle: it rejoins, or stops the consumer, and the sink joins again. Nothing was written.
      if (error instanceof Error && error.name.startsWith('KafkaJS')) throw error
      // Never let kafkajs retry the batch forever: stop with the error (it names the record).
      this.fail(error instanceof Error ? error : new Error(String(error)))
    }
  }

  private async writeBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, session: GroupSession): Promise<void> {
    await this.positionsLoaded
    if (!isRunning() || isStale() || this.lifecycle.stopping) return
    const key = topicPartitionKey(batch)
    const stored = this.positions.get(key)
    if (stored !== undefined && BigInt(batch.firstOffset() ?? '0') > stored) {
      // Kafka is ahead of what PostgreSQL holds: go back to PostgreSQL's position.
      session.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: stored.toString() })
      return
    }
    const records: SinkRecord[] = batch.messages
      .filter((message) => stored === undefined || BigInt(message.offset) >= stored)
      .map((message) => ({ key: message.key, value: message.value, position: { topic: batch.topic, partition: batch.partition, offset: message.offset, timestamp: Number(message.timestamp) } }))
    await this.writer.prepare(batch.topic, records)
    const next = (BigInt(batch.lastOffset()) + 1n).toString()
    let result: { written: number; refused: RefusedRecord[] }
    try {
      result = await this.writeRecords(records, { topic: batch.topic, partition: batch.partition, next }, stored, heartbeat)
    } catch (error) {
      if (!(error instanceof PositionMovedError)) throw error
      // Nothing of the batch was written: go on from the position the other sink left.
      this.log(`${error.message}; reading the stored positions again`)
      await this.loadPositions()
      const now = this.positions.get(key)
      if (now !== undefined) session.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: now.toString() })
      return
    }
    const { written, refused } = result
    this.positions.set(key, BigInt(next))
    this.rowsWritten += written
    this.recordsDeadLettered += refused.length
    this.metrics.batchWritten(batch.topic, written, refused.length)
    this.metrics.position(batch.topic, batch.partition, BigInt(batch.highWatermark), BigInt(next))
    for (const record of refused) this.log(`dead-lettered ${describeRefusal(record)}`)
    resolveOffset(batch.lastOffset())
    // For lag monitoring only: the position that counts is the one in PostgreSQL.
    await session.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]).catch(() => undefined)
  }

  /**
   * Writes the rows of these records, the refused ones to the dead-letter destination and the
   * partition's next offset, all in one transaction. The batch goes as multi-row statements;
   * if the server refuses it for good, it is written again row by row, each row under a
   * savepoint, so that only the rows it refuses are left out.
   */
  private async writeRecords(
    records: readonly SinkRecord[],
    offset: { topic: string; partition: number; next: string },
    stored: bigint | undefined,
    heartbeat: () => Promise<void>,
  ): Promise<{ written: number; refused: RefusedRecord[] }> {
    const { rows, unreadable } = this.writer.rows(offset.topic, records)
    const savePosition = (tx: TransactionClient): Promise<void> => advanceStoredPosition(tx, this.offsetsTable, this.config.groupId, offset, stored)
    const range = `topic ${offset.topic}, partition ${offset.partition}, offsets ${records[0]?.position.offset ?? offset.next}..${BigInt(offset.next) - 1n}`
    try {
      await this.withRetry(`write ${rows.length} rows`, () =>
        this.timed(() => this.database.inTransaction(async (tx) => {
          for (const statement of this.writer.insertStatements(rows)) await tx.query(statement.text, statement.values)
          await this.deadLetters.write(tx, unreadable)
          await savePosition(tx)
        })), heartbeat)
      return { written: rows.length, refused: unreadable }
    } catch (error) {
      // withRetry gives up on transient errors only when stopping; a record the destination
      // refuses is final; a failed heartbeat (a rebalance) is not the rows' fault.
      if (this.lifecycle.stopping || error instanceof RecordWriteError || error instanceof PositionMovedError || (error instanceof Error && error.name.startsWith('KafkaJS'))) throw error
      this.log(`the batch at ${range} was refused (${sqlStateOf(error) === undefined ? '' : `SQLSTATE ${sqlStateOf(error)}: `}${messageOf(error)}); writing it row by row`)
    }
    let refused: RefusedRecord[] = []
    // A heartbeat refused (a rebalance under way) does not stop the batch, as in the fast path.
    await this.withRetry(`write ${rows.length} rows one by one`, () =>
      this.timed(() => this.database.inTransaction(async (tx) => {
        refused = [...unreadable, ...(await writeRowByRow(tx, rows, () => heartbeat().catch(() => undefined)))]
        await this.deadLetters.write(tx, refused)
        await savePosition(tx)
      })), heartbeat)
    return { written: rows.length - (refused.length - unreadable.length), refused }
  }

  /** A database transaction, timed for the latency metric when it commits. */
  private async timed(transaction: () => Promise<void>): Promise<void> {
    const started = performance.now()
    await transaction()
    this.metrics.observeTransaction((performance.now() - started) / 1000)
  }

  private async sendDeadLetters(topic: string, messages: Message[]): Promise<void> {
    if (!this.producer) throw new Error('the dead-letter producer is not connected')
    await this.producer.send({ topic, messages, acks: -1 })
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
        if (!retry || this.lifecycle.stopping) throw error
        this.metrics.retried()
        this.log(`${isTransient(error) ? 'PostgreSQL unavailable' : 'conflict'} (${messageOf(error)}); retrying "${what}" in ${backoff} ms`)
        await new Promise((resolve) => setTimeout(resolve, backoff))
        backoff = Math.min(backoff * 2, this.config.maxBackoffMs ?? 5000)
        await heartbeat?.()
      }
    }
  }
}
