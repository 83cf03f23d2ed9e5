import './kafkajs-corrections.js' // corrects kafkajs before it loads
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type EachBatchPayload, type IHeaders, type Producer } from 'kafkajs'
import type { DeserializationError, ProcessingError } from '../../errors.js'
import { messageOf } from '../../errors.js'
import type { Headers } from '../../serde/serde.js'
import type { Topology } from '../../topology/topology.js'
import { AsyncLock } from '../async-lock.js'
import { commitTasks, type TaskOffsets } from '../commit-sequence.js'
import { deadLetterRecord } from '../dead-letter.js'
import { TaskMetrics } from '../task-metrics.js'
import type { ReadOnlyKeyValueStore, ReadOnlyWindowStore } from '../../state/query/read-only-stores.js'
import type { IncomingRecord } from '../wire-records.js'
import { atLeastOnceSteps, BackgroundSender } from './background-sender.js'
import { sendRecords, type BufferedCollector } from './buffered-collector.js'
import { prepareTopics, type PartitionCounts } from './internal-topics.js'
import { RepartitionPurger } from './repartition-purger.js'
import { retryRetriable } from './retry-retriable.js'
import { LocalStoreQueries } from './local-store-queries.js'
import { QueryEndpoint } from './query-endpoint.js'
import { resolveConfig, type ResolvedStreamsConfig, type StreamsConfig } from './streams-config.js'
import { taskAssignor } from './task-assignor.js'
import { TaskManager, type ActiveTask } from './task-manager.js'

export type StreamsState = 'CREATED' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'ERROR'

/** Unsent or unacknowledged outputs beyond this many records make the next batch commit early. */
const MAX_BUFFERED_RECORDS = 50_000
/** How often due wall-clock punctuators are looked for: the finest interval they can keep. */
const WALL_CLOCK_TICK_MS = 50

const NO_HEADERS: Headers = Object.freeze({})

/** kafkajs gives repeated headers as arrays; Sluice keeps the last value of each. */
function toHeaders(headers: IHeaders | undefined): Headers {
  if (!headers) return NO_HEADERS
  const names = Object.keys(headers)
  if (names.length === 0) return NO_HEADERS
  // Null prototype: header names are input data, and one named __proto__ must stay a header.
  const result: { [name: string]: Buffer | string | undefined } = Object.create(null)
  for (const name of names) {
    const value = headers[name]
    result[name] = Array.isArray(value) ? value[value.length - 1] : value
  }
  return result
}

function isRebalanceError(error: unknown): boolean {
  const type = (error as { type?: string }).type
  return type === 'REBALANCE_IN_PROGRESS' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID'
}

/**
 * Runs a topology on a Kafka cluster: one consumer group per applicationId, one task per
 * (sub-topology, partition), processing fetched batches, committing in the order flush stores
 * -> changelogs -> outputs -> offsets. Under at-least-once, outputs already leave in the
 * background as they accumulate, and a commit waits until they and the changelog records are
 * acknowledged before committing offsets; under exactly-once each task's commit is one
 * transaction. Commits happen only between batches, never during one, and before this member
 * gives up its partitions in a rebalance.
 */
export class KafkaStreams {
  readonly config: ResolvedStreamsConfig
  private readonly kafka: Kafka
  private readonly lock = new AsyncLock()
  private admin: Admin | undefined
  private readonly purger: RepartitionPurger
  private producer: Producer | undefined
  /** At-least-once: sends the shared producer's records in the background, in order. */
  private sender: BackgroundSender | undefined
  private consumer: Consumer | undefined
  private taskManager: TaskManager | undefined
  private partitionCounts: PartitionCounts = new Map()
  private lastCommitMs = Date.now()
  private changelogEnds = new Map<string, bigint>()
  private stateValue: StreamsState = 'CREATED'
  private fatal: Error | undefined
  private closing: Promise<void> | undefined
  private readonly stopped: Promise<void>
  private resolveStopped: () => void = () => {}
  private readonly closedTaskMetrics = new TaskMetrics()
  /** Processed records not yet committed. */
  private uncommitted = false
  /** Between kafkajs noticing a rebalance and the new assignment: no commits from the timer. */
  private rebalancing = false
  private commitTimer: NodeJS.Timeout | undefined
  private punctuationTimer: NodeJS.Timeout | undefined
  /** At-least-once: a commit failed part-way (changelogs sent, offsets not): stores must be rebuilt. */
  private commitBroken = false
  /** Exactly-once: a failed transaction closed the tasks; the consumer is rejoining. */
  private recovering = false
  private readonly queries: LocalStoreQueries
  private queryEndpoint: QueryEndpoint | undefined

  constructor(
    readonly topology: Topology,
    config: StreamsConfig,
  ) {
    this.config = resolveConfig(topology.applicationId, config)
    this.kafka = new Kafka({ clientId: this.config.clientId, brokers: this.config.brokers, logLevel: process.env.SLUICE_KAFKA_LOG === 'debug' ? logLevel.DEBUG : logLevel.WARN, logCreator: this.logCreator() })
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve))
    const repartitionTopics = new Set(topology.internalTopics.filter((topic) => topic.kind === 'repartition').map((topic) => topic.name))
    this.purger = new RepartitionPurger(() => this.admin, repartitionTopics, this.config.log, this.config.purgeIntervalMs)
    this.queries = new LocalStoreQueries(topology, {
      unavailable: () => {
        if (this.stateValue !== 'RUNNING') return `the application is ${this.stateValue}`
        if (this.rebalancing || this.recovering) return 'the application is rebalancing; retry shortly'
        return undefined
      },
      withTasks: (section) => this.lock.run(() => section(this.taskManager?.entries() ?? [])),
    })
  }

  /**
   * A read-only view of a key-value store over all local tasks (interactive queries). Reads
   * fail while the application is not RUNNING or is rebalancing; the name is checked here.
   */
  store<K = unknown, V = unknown>(name: string): ReadOnlyKeyValueStore<K, V> {
    return this.queries.keyValueStore<K, V>(name)
  }

  /** A read-only view of a window store over all local tasks; see store(). */
  windowStore<K = unknown, V = unknown>(name: string): ReadOnlyWindowStore<K, V> {
    return this.queries.windowStore<K, V>(name)
  }

  /** The query server's base URL while it runs (config.queryPort set). */
  get queryUrl(): string | undefined {
    return this.queryEndpoint?.url
  }

  get state(): StreamsState {
    return this.stateValue
  }

  /** The error that stopped the application, if any. */
  get error(): Error | undefined {
    return this.fatal
  }

  /** Counters summed over the running tasks. */
  metrics(): TaskMetrics {
    const total = new TaskMetrics()
    total.add(this.closedTaskMetrics)
    for (const task of this.taskManager?.tasks() ?? []) total.add(task.metrics)
    return total
  }

  /** Resolves when the application has stopped (after close() or a fatal error). */
  whenStopped(): Promise<void> {
    return this.stopped
  }

  async start(): Promise<void> {
    if (this.stateValue !== 'CREATED') throw new Error(`Cannot start: the application is ${this.stateValue}`)
    this.stateValue = 'STARTING'
    try {
      await this.startUp()
    } catch (error) {
      // Release what was opened (the query server, clients), so a failed start leaves nothing listening.
      await this.failWith(error instanceof Error ? error : new Error(String(error)))
      throw error
    }
  }

  private async startUp(): Promise<void> {
    const { config, topology } = this
    // First, so that a port in use fails the start before anything connects; reads answer 503 until RUNNING.
    if (config.queryPort !== undefined) {
      this.queryEndpoint = await QueryEndpoint.open(topology, this.queries, config)
      config.log(`store queries at ${this.queryEndpoint.url}`)
    }
    this.admin = this.kafka.admin()
    await this.admin.connect()
    const admin = this.admin
    this.partitionCounts = await retryRetriable(
      'preparing topics',
      () => prepareTopics(admin, topology, { replicationFactor: config.replicationFactor, extraTopics: config.deadLetterTopic ? [config.deadLetterTopic] : [] }),
      config.log,
    )
    // At-least-once shares one producer; exactly-once gives each task its own transactional one.
    if (config.processingGuarantee === 'at_least_once') {
      this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
      await this.producer.connect()
      this.sender = new BackgroundSender(this.producer, { partitionsOf: (topic) => this.partitionCounts.get(topic) })
    }
    const sender = this.sender
    const deadLetterTopic = config.deadLetterTopic
    this.taskManager = new TaskManager({
      kafka: this.kafka,
      topology,
      config,
      partitionCounts: this.partitionCounts,
      onFailure: (collector) => (deadLetterTopic ? (error, raw) => this.deadLetter(collector, deadLetterTopic, error, raw) : undefined),
      endOffsets: (topic) => this.endOffsets(topic),
      forward: sender && ((record) => sender.send(record)),
    })
    const taskManager = this.taskManager
    this.consumer = this.kafka.consumer({
      groupId: topology.applicationId,
      partitionAssigners: [taskAssignor(topology, () => taskManager.taskIds())],
      readUncommitted: config.processingGuarantee !== 'exactly_once',
      sessionTimeout: config.sessionTimeoutMs,
      rebalanceTimeout: 60_000,
      heartbeatInterval: this.heartbeatIntervalMs,
      maxWaitTimeInMs: 200,
    })
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      this.rebalancing = true
    })
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.rebalancing = false
      if (this.stateValue !== 'STARTING' && this.stateValue !== 'RUNNING') return
      taskManager.assign(event.payload.memberAssignment)
      void this.lock
        .run(async () => {
          // kafkajs resumes every partition from its committed offset after a join: work done
          // since the last commit is redone, so it must not stay in the stores.
          if (this.commitBroken) await taskManager.closeAll(false, undefined, false)
          else if (this.uncommitted) await taskManager.discardUncommitted()
          // Records of the discarded work not sent yet are dropped: the work is redone.
          if (this.commitBroken || this.uncommitted) this.sender?.reset()
          this.uncommitted = false
          this.commitBroken = false
          // Restore new tasks right away rather than on their first batch, which may be long in coming.
          await this.startTasks()
        })
        .catch((error: unknown) => this.failWith(new Error(`Task assignment failed: ${messageOf(error)}`)))
    })
    // Batches of transaction markers only never reach eachBatch; still move past them.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0 || this.stateValue !== 'RUNNING') return
      const subtopology = topology.subtopologyOf(payload.topic)
      const task = subtopology && taskManager.get(`${subtopology.id}_${payload.partition}`)?.task
      if (!task) return
      task.advanceOffset(payload.topic, (BigInt(payload.lastOffset) + 1n).toString())
      this.uncommitted = true
    })
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart) void this.failWith(new Error(`The consumer crashed: ${messageOf(event.payload.error)}`))
    })
    await this.consumer.connect()
    const internal = new Set(topology.internalTopics.filter((topic) => topic.kind === 'repartition').map((topic) => topic.name))
    const external = topology.externalSourceTopics
    // Repartition topics are always read from their beginning: they hold this application's own records.
    if (external.length > 0) await this.consumer.subscribe({ topics: external, fromBeginning: config.autoOffsetReset === 'earliest' })
    if (internal.size > 0) await this.consumer.subscribe({ topics: [...internal], fromBeginning: true })
    this.lastCommitMs = Date.now()
    await this.runConsumer()
    this.stateValue = 'RUNNING'
    // Outputs (repartition records too) below the background sender's threshold, and all of them
    // under exactly-once, leave at commit; when no batch arrives to trigger one, the timer does,
    // so that downstream sub-topologies and offsets never wait on new input.
    this.commitTimer = setInterval(() => void this.commitIfDue(), Math.max(10, Math.min(1000, config.commitIntervalMs / 2)))
    this.commitTimer.unref()
    this.punctuationTimer = setInterval(() => void this.punctuateWallClock(), WALL_CLOCK_TICK_MS)
    this.punctuationTimer.unref()
    config.log(`started (${config.processingGuarantee}, state in ${config.stateDir}/${topology.applicationId})`)
  }

  /**
   * Creates and restores newly assigned tasks. Under exactly-once it then seeks their
   * partitions to the group's committed offsets read afresh: kafkajs may have read them before
   * the task's producer fenced the previous owner, while that owner's last transaction (offsets
   * included) was still completing (kafkajs cannot ask for stable offsets, KIP-447).
   */
  private async startTasks(keepAlive?: () => Promise<void>): Promise<void> {
    const created = await (this.taskManager as TaskManager).reconcile(keepAlive)
    if (created.length === 0 || this.config.processingGuarantee !== 'exactly_once') return
    const topics = [...new Set(created.flatMap((entry) => entry.task.subtopology.sourceTopics))]
    const committed = await (this.admin as Admin).fetchOffsets({ groupId: this.topology.applicationId, topics })
    for (const entry of created) {
      for (const topic of entry.task.subtopology.sourceTopics) {
        const offset = committed.find((result) => result.topic === topic)?.partitions.find((partition) => partition.partition === entry.task.partition)?.offset
        if (offset !== undefined && Number(offset) >= 0) this.consumer?.seek({ topic, partition: entry.task.partition, offset })
      }
    }
  }

  private runConsumer(): Promise<void> {
    return (this.consumer as Consumer).run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    })
  }

  /** Graceful shutdown: finish the batch, commit, close stores (writing checkpoints), leave the group. */
  close(): Promise<void> {
    this.closing ??= this.shutdown(true)
    return this.closing
  }

  private get heartbeatIntervalMs(): number {
    return Math.min(3_000, Math.floor(this.config.sessionTimeoutMs / 3))
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    // kafkajs heartbeats only between batches: while this one waits for the lock (a restore
    // after a rebalance, a store query) or restores, heartbeat here so that the group does not
    // drop the member. A rebalance that starts meanwhile is noticed by the heartbeat after it.
    const keepAlive = async (): Promise<void> => {
      await heartbeat().catch(() => undefined)
    }
    const waiting = setInterval(() => void keepAlive(), this.heartbeatIntervalMs)
    try {
      await this.lock.run(async () => {
        clearInterval(waiting)
        await this.processBatch(batch, resolveOffset, isRunning, isStale, keepAlive)
      })
    } finally {
      clearInterval(waiting)
    }
    // No commit when a rebalance starts: a commit cut short there (changelogs sent, offsets
    // refused) would count records twice. The work since the last commit is redone instead.
    await heartbeat()
  }

  private async processBatch(
    batch: EachBatchPayload['batch'],
    resolveOffset: EachBatchPayload['resolveOffset'],
    isRunning: () => boolean,
    isStale: () => boolean,
    keepAlive: () => Promise<void>,
  ): Promise<void> {
    if (this.stateValue !== 'RUNNING' || this.recovering || !isRunning() || isStale()) return
    const taskManager = this.taskManager as TaskManager
    await this.startTasks(keepAlive)
    if (isStale()) return
    const subtopology = this.topology.subtopologyOf(batch.topic)
    const task = subtopology && taskManager.get(`${subtopology.id}_${batch.partition}`)?.task
    if (!task) return
    const records: IncomingRecord[] = batch.messages.map((message) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      timestamp: Number(message.timestamp),
      headers: toHeaders(message.headers),
    }))
    try {
      if (records.length > 0) await task.process(records)
    } catch (error) {
      // Stop at the failing record: commit what came before it, then shut down with the error.
      void this.failWith(error instanceof Error ? error : new Error(String(error)))
      return
    }
    resolveOffset(batch.lastOffset())
    task.advanceOffset(batch.topic, (BigInt(batch.lastOffset()) + 1n).toString())
    this.uncommitted = true
    if (Date.now() - this.lastCommitMs >= this.config.commitIntervalMs || this.bufferedRecords() >= MAX_BUFFERED_RECORDS || task.needsCommit()) {
      await this.commitOrMarkBroken()
    }
  }

  /** Runs the tasks' wall-clock punctuators that are due, with or without input, between batches. */
  private async punctuateWallClock(): Promise<void> {
    const ready = (): boolean => this.stateValue === 'RUNNING' && !this.recovering && !this.rebalancing
    if (!ready() || !(this.taskManager?.tasks().some((task) => task.wallClockDue(Date.now())) ?? false)) return
    try {
      await this.lock.run(async () => {
        if (!ready()) return
        for (const task of this.taskManager?.tasks() ?? []) {
          if (!task.wallClockDue(Date.now())) continue
          await task.punctuateWallClock(Date.now())
          this.uncommitted = true
        }
      })
    } catch (error) {
      void this.failWith(new Error(`A wall-clock punctuator failed: ${messageOf(error)}`))
    }
  }

  private async commitIfDue(): Promise<void> {
    if (this.stateValue !== 'RUNNING' || this.recovering || this.rebalancing || !this.uncommitted || Date.now() - this.lastCommitMs < this.config.commitIntervalMs) return
    try {
      await this.lock.run(async () => {
        if (this.stateValue === 'RUNNING' && !this.recovering && !this.rebalancing && this.uncommitted) await this.commitOrMarkBroken()
      })
    } catch (error) {
      if (!isRebalanceError(error)) void this.failWith(new Error(`Commit failed: ${messageOf(error)}`))
    }
  }

  /** A commit refused by a rebalance after its changelogs went out leaves stores to rebuild. */
  private async commitOrMarkBroken(): Promise<void> {
    try {
      await this.commit()
    } catch (error) {
      if (isRebalanceError(error)) this.commitBroken = true
      throw error
    }
  }

  private bufferedRecords(): number {
    let total = this.sender?.size ?? 0
    for (const entry of this.taskManager?.entries() ?? []) total += entry.collector.size
    return total
  }

  /** The numbered commit sequence (see commitTasks) for the guarantee in force. Callers hold the lock. */
  private async commit(): Promise<void> {
    const taskManager = this.taskManager
    const consumer = this.consumer
    if (!taskManager || !consumer) return
    const entries = taskManager.entries()
    if (this.config.processingGuarantee === 'exactly_once') {
      try {
        await Promise.all(entries.map((entry) => this.commitTransaction(entry)))
      } catch (error) {
        this.recoverFrom(error)
        return
      }
      this.uncommitted = false
      this.lastCommitMs = Date.now()
      return
    }
    // Outputs have been leaving in the background since the last commit; the changelog records
    // queue up behind them, and offsets are committed once all of it is acknowledged.
    const sender = this.sender as BackgroundSender
    const ends = new Map<string, bigint>()
    await commitTasks(
      entries.map((entry) => entry.task),
      (store) => this.topology.changelogTopicOf(store),
      atLeastOnceSteps(
        sender,
        async (all) => {
          const offsets = all.flatMap(({ partition, offsets }) => [...offsets].map(([topic, offset]) => ({ topic, partition, offset })))
          if (offsets.length > 0) await consumer.commitOffsets(offsets)
          this.purger.committedOffsets(offsets)
        },
        ends,
      ),
      Date.now(),
    )
    this.uncommitted = false
    this.lastCommitMs = Date.now()
    for (const [key, end] of ends) this.changelogEnds.set(key, end)
    await taskManager.checkpoint(await this.knownChangelogEnds(entries.map((entry) => entry.task.partition)))
  }

  /** Exactly-once: one task's changelogs, outputs and consumed offsets as one Kafka transaction. */
  private async commitTransaction(entry: ActiveTask): Promise<void> {
    const producer = entry.producer as Producer
    if (entry.collector.size === 0 && entry.task.committableOffsets().size === 0 && !entry.task.needsCommit()) return
    const transaction = await producer.transaction()
    let sentOffsets: { topic: string; partition: number; offset: string }[] = []
    try {
      await commitTasks(
        [entry.task],
        (store) => this.topology.changelogTopicOf(store),
        {
          sendChangelogs: async (records) => {
            await sendRecords(transaction, records)
          },
          sendOutputs: async () => {
            await sendRecords(transaction, entry.collector.drain())
          },
          commitOffsets: async ([{ partition, offsets }]: readonly TaskOffsets[]) => {
            const topics = [...offsets].map(([topic, offset]) => ({ topic, partitions: [{ partition, offset }] }))
            if (topics.length > 0) await transaction.sendOffsets({ consumerGroupId: this.topology.applicationId, topics })
            sentOffsets = [...offsets].map(([topic, offset]) => ({ topic, partition, offset }))
          },
        },
        Date.now(),
      )
      await transaction.commit()
      this.purger.committedOffsets(sentOffsets)
    } catch (error) {
      await transaction.abort().catch(() => undefined)
      throw error
    }
  }

  /**
   * Exactly-once: a transaction failed (fenced by a newer owner of the task, or a broker
   * error). Nothing of it became visible. Close every task dirty (their stores are wiped and
   * restored when next assigned) and rejoin the group, which restarts from committed offsets.
   */
  private recoverFrom(error: unknown): void {
    if (this.recovering) return
    this.recovering = true
    this.config.log(`transaction failed, closing tasks and rejoining: ${messageOf(error)}`)
    setImmediate(() => {
      void (async () => {
        try {
          await this.consumer?.stop()
          await this.lock.run(() => (this.taskManager as TaskManager).closeAll(false, undefined, false))
          this.recovering = false
          if (this.stateValue === 'RUNNING') await this.runConsumer()
        } catch (failure) {
          await this.failWith(new Error(`Could not rejoin after a failed transaction: ${messageOf(failure)}`))
        }
      })()
    })
  }

  /** Changelog ends for checkpoints: from our own writes, else asked of the broker once. */
  private async knownChangelogEnds(partitions: readonly number[]): Promise<Map<string, bigint>> {
    const changelogs = this.topology.internalTopics.filter((topic) => topic.kind === 'changelog').map((topic) => topic.name)
    for (const topic of changelogs) {
      if (partitions.every((partition) => this.changelogEnds.has(`${topic}:${partition}`))) continue
      for (const [partition, end] of await this.endOffsets(topic)) if (!this.changelogEnds.has(`${topic}:${partition}`)) this.changelogEnds.set(`${topic}:${partition}`, end)
    }
    return this.changelogEnds
  }

  private async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const offsets = await (this.admin as Admin).fetchTopicOffsets(topic)
    return new Map(offsets.map((entry) => [entry.partition, BigInt(entry.high)]))
  }

  private deadLetter(collector: BufferedCollector, topic: string, error: DeserializationError | ProcessingError, raw: IncomingRecord): 'continue' {
    collector.send(deadLetterRecord(topic, error, raw))
    this.config.log(`dead-lettered: ${error.message}`)
    return 'continue'
  }

  private failWith(error: Error): Promise<void> {
    if (!this.fatal) {
      this.fatal = error
      this.config.log(`stopping on error: ${error.message}`)
    }
    this.closing ??= this.shutdown(true)
    return this.closing
  }

  private async shutdown(commit: boolean): Promise<void> {
    if (this.stateValue === 'CREATED') {
      this.stateValue = 'STOPPED'
      this.resolveStopped()
      return
    }
    this.stateValue = 'STOPPING'
    clearInterval(this.commitTimer)
    clearInterval(this.punctuationTimer)
    await this.queryEndpoint?.close()
    try {
      await this.lock.run(async () => {
        if (commit) {
          try {
            await this.commit()
            if (this.recovering) throw new Error('the last transaction failed')
            for (const task of this.taskManager?.tasks() ?? []) this.closedTaskMetrics.add(task.metrics)
            // Exactly-once tracks no changelog ends of its own: ask the broker, after the last commit.
            if (this.config.processingGuarantee === 'exactly_once') this.changelogEnds.clear()
            await this.taskManager?.closeAll(true, await this.knownChangelogEnds(this.taskManager.tasks().map((task) => task.partition)))
          } catch (error) {
            this.config.log(`commit on shutdown failed, closing dirty: ${messageOf(error)}`)
            await this.taskManager?.closeAll(false)
          }
        }
      })
      await this.consumer?.disconnect()
      await this.producer?.disconnect()
      await this.purger.settled()
      await this.admin?.disconnect()
    } finally {
      this.stateValue = this.fatal ? 'ERROR' : 'STOPPED'
      this.config.log(this.fatal ? 'stopped with an error' : 'stopped')
      this.resolveStopped()
    }
  }

  /** kafkajs warnings and errors, without the expected rebalance noise; SLUICE_KAFKA_LOG=debug shows all. */
  private logCreator() {
    const verbose = process.env.SLUICE_KAFKA_LOG === 'debug'
    const log = (): ResolvedStreamsConfig['log'] => this.config.log
    return () =>
      ({ level, log: entry }: { level: number; log: { message: string; error?: string } }) => {
        if (verbose) return log()(`kafka[${level}]: ${entry.message} ${entry.error ?? ''}`)
        if (level > logLevel.WARN) return
        if (/rebalanc|Response (Heartbeat|OffsetCommit|JoinGroup|SyncGroup)/i.test(`${entry.message} ${entry.error ?? ''}`)) return
        log()(`kafka: ${entry.message}${entry.error ? ` (${entry.error})` : ''}`)
      }
  }
}
