import { requireKafkajsCorrections } from './kafkajs/kafkajs-corrections.js' // first: corrects kafkajs before it loads
import type { ConsumerConfig, EachBatchPayload, Kafka } from 'sluice-kafkajs'
import { toHeaders } from './kafkajs/kafkajs-headers.js'
import type { DeserializationError, ProcessingError } from '../../errors.js'
import { messageOf } from '../../errors.js'
import { TaskId } from '../../base/task-id.js'
import { topicPartitionKey } from '../../base/topic-partition.js'
import type { Topology } from '../../topology/topology.js'
import { AsyncLock } from '../async-lock.js'
import { commitTasks, type TaskOffsets } from '../commit-sequence.js'
import { deadLetterRecord } from '../dead-letter.js'
import { TaskMetrics } from '../../processor/task-metrics.js'
import type { ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyWindowStore } from '../../state/query/read-only-stores.js'
import type { IncomingRecord } from '../wire-records.js'
import { atLeastOnceSteps } from './background-sender.js'
import { sendRecords, type BufferedCollector } from './buffered-collector.js'
import { needsAPerson, worthAnotherStartAttempt } from './fault-classification.js'
import { CommittedPositions } from './committed-positions.js'
import { GroupSession, MembershipLostError, type GroupSessionHandlers } from './group-session.js'
import { prepareTopics, type PartitionCounts } from './internal-topics.js'
import { deadLetterLimitBytes } from './message-size-limits.js'
import { RepartitionPurger } from './repartition-purger.js'
import { sendBufferFull } from '../send-buffer-bound.js'
import { retryRetriable } from './retry-retriable.js'
import { LocalStoreQueries } from '../query/local-store-queries.js'
import { QueryEndpoint } from '../query/query-endpoint.js'
import { resolveConfig, type ResolvedStreamsConfig, type StreamsConfig } from '../streams-config.js'
import { nextState, type StreamsState } from '../streams-state.js'
import { taskAssignor } from './task-assignor.js'
import { TaskManager, type ActiveTask } from './task-manager.js'
import { GlobalStreamThread } from './global-stream-thread.js'
import { sendOffsetsRetrying } from './transaction-offsets.js'
import type { AdminClient } from './client/admin-client.js'
import { KafkajsClient } from './kafkajs/kafkajs-client.js'
import { MetricsServer, type MetricsExposition } from '../metrics/metrics-server.js'
import { StreamsMetrics } from '../metrics/streams-metrics.js'
import type { ApplicationStatus, DeadLetterEntry, OutputEntry } from '../status/application-status.js'
import { StatusRecorder } from '../status/status-recorder.js'

export type { StreamsState } from '../streams-state.js'

/** How often due wall-clock punctuators are looked for: the finest interval they can keep. */
const WALL_CLOCK_TICK_MS = 50

/** How long a rejoin waits before trying again when the cluster does not answer; doubles up to the maximum. */
const REJOIN_PAUSE_MS = 1000
const REJOIN_MAX_PAUSE_MS = 30_000
/** How long admin requests of a running application retry retriable errors (a broker restarting). */
const ADMIN_RETRY_MS = 120_000

/** What a started application holds: no part of the runtime reaches these before start-up made them. */
interface RunningPhase {
  readonly admin: AdminClient
  readonly taskManager: TaskManager
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs a topology on a Kafka cluster: one consumer group per applicationId, one task per
 * (sub-topology, partition), processing fetched batches, committing in the order flush stores
 * -> changelogs -> outputs -> offsets. Under at-least-once, outputs already leave in the
 * background as they accumulate, and a commit waits until they and the changelog records are
 * acknowledged before committing offsets; under exactly-once each task's commit is one
 * transaction. Commits happen only between batches, never during one.
 *
 * Faults it can survive (a broker restart, a coordinator that moved, a fenced or failed
 * transaction, a failed commit, a member the group forgot after a long pause) end the group
 * session: the tasks are closed (dirty where their stores may be ahead of what was committed),
 * a new consumer joins, and the tasks restore and go on from the committed offsets. Only
 * errors that need a person stop the application (see needsAPerson).
 */
export class KafkaStreams {
  readonly config: ResolvedStreamsConfig
  private readonly client: KafkajsClient
  /** kafkajs itself, for the consumers and producers that do not go through the client interface yet. */
  private readonly kafka: Kafka
  private readonly lock = new AsyncLock()
  /** Opened during start-up; closed on shutdown even when start-up failed half way. */
  private admin: AdminClient | undefined
  private readonly purger: RepartitionPurger
  /** The current membership of the group; replaced by a new one on every rejoin. */
  private session: GroupSession | undefined
  /** Everything that exists once start-up has prepared topics and clients. */
  private running: RunningPhase | undefined
  /** Keeps the global stores; made at start-up, before any task. */
  private globalThread: GlobalStreamThread | undefined
  private partitionCounts: PartitionCounts = new Map()
  /** Larger dead letters go as stubs: the dead-letter topic (or one request) would refuse them. */
  private deadLetterMaxBytes = Infinity
  private lastCommitMs = Date.now()
  private changelogEnds = new Map<string, bigint>()
  private stateValue: StreamsState = 'CREATED'
  private fatal: Error | undefined
  private closing: Promise<void> | undefined
  private readonly stopped: Promise<void>
  private resolveStopped: () => void = () => {}
  /** The application's Prometheus metrics (served at /metrics with config.metricsPort). */
  private readonly streamsMetrics: StreamsMetrics
  /** Lag, commits and the latest dead letters and outputs, for status() and the console. */
  private readonly statusRecorder: StatusRecorder
  private metricsServer: MetricsServer | undefined
  /** What /metrics serves: the application's own, and those of sinks running beside it. */
  private readonly metricsSources: MetricsExposition[] = []
  private metricsEndpointUrl: string | undefined
  /** Processed records not yet committed. */
  private uncommitted = false
  /** Between kafkajs noticing a rebalance and the new assignment: no commits from the timer. */
  private rebalancing = false
  private commitTimer: NodeJS.Timeout | undefined
  private punctuationTimer: NodeJS.Timeout | undefined
  /** At-least-once: a commit failed after the stores were flushed: they are ahead of the commit and must be rebuilt. */
  private commitBroken = false
  /** A rejoin under way (the session ended, tasks closing or a new session joining). */
  private recovery: Promise<void> | undefined
  private readonly queries: LocalStoreQueries
  private queryEndpoint: QueryEndpoint | undefined
  private readonly sessionHandlers: GroupSessionHandlers
  private readonly committedPositions = new CommittedPositions()
  /** The session's join whose assignment the running tasks and their uncommitted work belong to. */
  private handledJoins = -1

  constructor(
    readonly topology: Topology,
    config: StreamsConfig,
  ) {
    this.config = resolveConfig(topology.applicationId, config)
    this.client = new KafkajsClient({ clientId: this.config.clientId, brokers: this.config.brokers, log: (message) => this.config.log(message), onError: (part) => this.streamsMetrics.clientError(part) })
    this.kafka = this.client.kafkajs
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve))
    const repartitionTopics = new Set(topology.internalTopics.filter((topic) => topic.kind === 'repartition').map((topic) => topic.name))
    this.purger = new RepartitionPurger(() => this.admin, repartitionTopics, this.config.log, this.config.purgeIntervalMs)
    this.queries = new LocalStoreQueries(topology, {
      unavailable: () => {
        if (this.stateValue !== 'RUNNING') return `the application is ${this.stateValue}`
        if (this.rebalancing || this.recovering) return 'the application is rebalancing; retry shortly'
        return undefined
      },
      withTasks: (section) => this.lock.run(() => section(this.running?.taskManager.entries() ?? [])),
      globalStores: () => this.globalThread?.stores ?? new Map(),
    })
    this.streamsMetrics = new StreamsMetrics(topology.applicationId, {
      tasks: () => this.running?.taskManager.tasks().map((task) => ({ taskId: task.taskId, metrics: task.metrics, stores: task.stores.values() })) ?? [],
      closedTasks: () => this.running?.taskManager.closedTaskMetrics ?? new TaskMetrics(),
      state: () => this.stateValue,
    })
    this.metricsSources.push(this.streamsMetrics)
    this.statusRecorder = new StatusRecorder(topology.applicationId, this.config.processingGuarantee, this.config.clientId)
    this.sessionHandlers = {
      onBatch: (payload, session) => this.onBatch(payload, session),
      onJoin: (assignment, session) => this.onJoin(assignment, session),
      onRebalancing: (session) => {
        if (session === this.session) this.rebalancing = true
      },
      onEmptyBatch: (topic, partition, lastOffset, session) => this.onEmptyBatch(topic, partition, lastOffset, session),
      onCrash: (error, session) => {
        if (session === this.session) this.recover(error, 'the consumer stopped')
      },
    }
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

  /** A read-only view of a session store over all local tasks; see store(). */
  sessionStore<K = unknown, V = unknown>(name: string): ReadOnlySessionStore<K, V> {
    return this.queries.sessionStore<K, V>(name)
  }

  /** The application's metrics in the Prometheus text format (what /metrics serves). */
  async prometheusMetrics(): Promise<string> {
    return (await Promise.all(this.metricsSources.map((source) => source.text()))).join('')
  }

  /** Serves these metrics too at /metrics (a PostgreSQL sink's, with `run --sink`); their names must be their own. */
  addMetrics(source: MetricsExposition): void {
    this.metricsSources.push(source)
  }

  /** The metrics endpoint's URL (…/metrics) while it runs (config.metricsPort set). */
  get metricsUrl(): string | undefined {
    return this.metricsEndpointUrl
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

  /**
   * What this instance is doing now: its state, its tasks (RESTORING with progress, RUNNING,
   * SUSPENDED during a rebalance) with their partitions' committed offsets and lag, records per
   * node, and totals. What the console shows.
   */
  status(): ApplicationStatus {
    const taskManager = this.running?.taskManager
    return this.statusRecorder.status({
      state: this.stateValue,
      rebalancing: this.rebalancing || this.recovering,
      running: taskManager?.tasks() ?? [],
      restoring: taskManager?.restoringTasks() ?? [],
      totals: this.metrics(),
    })
  }

  /** The latest records sent to the dead-letter topic by this instance, oldest first. */
  recentDeadLetters(): readonly DeadLetterEntry[] {
    return this.statusRecorder.recentDeadLetters()
  }

  /** The latest records written to each output topic by this instance, oldest first. */
  recentOutputs(): { readonly [topic: string]: readonly OutputEntry[] } {
    return this.statusRecorder.recentOutputs()
  }

  /** The store queries over this instance's tasks, as the query server answers them (the console's store browser). */
  get storeQueries(): LocalStoreQueries {
    return this.queries
  }

  /** Counters summed over the running tasks. */
  metrics(): TaskMetrics {
    const total = new TaskMetrics()
    if (this.running) total.add(this.running.taskManager.closedTaskMetrics)
    for (const task of this.running?.taskManager.tasks() ?? []) total.add(task.metrics)
    return total
  }

  /** Resolves when the application has stopped (after close() or a fatal error). */
  whenStopped(): Promise<void> {
    return this.stopped
  }

  async start(): Promise<void> {
    if (this.stateValue !== 'CREATED') throw new Error(`Cannot start: the application is ${this.stateValue}`)
    this.stateValue = nextState(this.stateValue, 'STARTING')
    try {
      await this.startUp()
    } catch (error) {
      // Release what was opened (the query server, clients), so a failed start leaves nothing listening.
      await this.failWith(error instanceof Error ? error : new Error(String(error)))
      throw error
    }
  }

  /** The running phase; the callers run only after start-up made it (batches, commits, rejoins). */
  private phase(): RunningPhase {
    if (!this.running) throw new Error(`the application is ${this.stateValue}: not started`)
    return this.running
  }

  private get recovering(): boolean {
    return this.recovery !== undefined
  }

  private get active(): boolean {
    return (this.stateValue === 'STARTING' || this.stateValue === 'RUNNING') && this.closing === undefined
  }

  private async startUp(): Promise<void> {
    const { config, topology } = this
    if (config.processingGuarantee === 'exactly_once') requireKafkajsCorrections('exactly-once processing')
    // First, so that a port in use fails the start before anything connects; reads answer 503 until RUNNING.
    if (config.queryPort !== undefined) {
      this.queryEndpoint = await QueryEndpoint.open(topology, this.queries, config)
      config.log(`store queries at ${this.queryEndpoint.url}`)
    }
    if (config.metricsPort !== undefined) {
      this.metricsServer = new MetricsServer(this.metricsSources, { allowedHosts: config.queryAllowedHosts, token: config.queryToken, log: config.log })
      this.metricsEndpointUrl = `${await this.metricsServer.listen(config.metricsHost, config.metricsPort)}/metrics`
      config.log(`metrics at ${this.metricsEndpointUrl}`)
    }
    const admin = this.client.admin()
    this.admin = admin
    // A cluster that is restarting (or not up yet) is waited for, as a supervisor restarting
    // this process at that moment expects; a topic just created may not have its leader yet.
    this.partitionCounts = await retryRetriable(
      `connecting to ${config.brokers.join(',')} and preparing topics`,
      async () => {
        await admin.connect()
        const counts = await prepareTopics(admin, topology, { replicationFactor: config.replicationFactor, extraTopics: [], deadLetterTopic: config.deadLetterTopic })
        if (config.deadLetterTopic) this.deadLetterMaxBytes = await deadLetterLimitBytes(admin, config.deadLetterTopic)
        return counts
      },
      config.log,
      config.startupTimeoutMs,
      worthAnotherStartAttempt,
    )
    // Global stores are complete before the group is joined: every task reads them from its first record on.
    const globalThread = new GlobalStreamThread({
      client: this.client,
      topology,
      config,
      partitionCounts: this.partitionCounts,
      endOffsets: (topic) => this.endOffsets(topic),
      exclusive: (section) => this.lock.run(section),
      onRestoreProgress: (restoredNow, remaining) => this.streamsMetrics.restoreProgress(restoredNow, remaining),
      onFatal: (error) => void this.failWith(error),
    })
    this.globalThread = globalThread
    await globalThread.start()
    const deadLetterTopic = config.deadLetterTopic
    const taskManager = new TaskManager({
      kafka: this.kafka,
      client: this.client,
      topology,
      config,
      partitionCounts: this.partitionCounts,
      onFailure: (collector) => (deadLetterTopic ? (error, raw) => this.deadLetter(collector, deadLetterTopic, error, raw) : undefined),
      endOffsets: (topic) => this.endOffsets(topic),
      onRestoreProgress: (restoredNow, remaining) => this.streamsMetrics.restoreProgress(restoredNow, remaining),
      onOutput: (topic, record) => this.statusRecorder.output(topic, record),
      globalStores: globalThread.stores,
      // At-least-once: a member back from a long pause sends nothing more for tasks it may have
      // lost (the tasks' fenced transactions stop what this check cannot: a request under way).
      beforeRequest: config.processingGuarantee === 'at_least_once' ? () => this.confirmMembership() : undefined,
    })
    this.running = { admin, taskManager }
    this.lastCommitMs = Date.now()
    await retryRetriable('joining the group', () => this.openSession(), config.log, config.startupTimeoutMs, worthAnotherStartAttempt)
    this.stateValue = nextState(this.stateValue, 'RUNNING')
    // Outputs (repartition records too) below the background sender's threshold, and all of them
    // under exactly-once, leave at commit; when no batch arrives to trigger one, the timer does,
    // so that downstream sub-topologies and offsets never wait on new input.
    this.commitTimer = setInterval(() => void this.commitIfDue(), Math.max(10, Math.min(1000, config.commitIntervalMs / 2)))
    this.commitTimer.unref()
    this.punctuationTimer = setInterval(() => void this.punctuateWallClock(), WALL_CLOCK_TICK_MS)
    this.punctuationTimer.unref()
    config.log(`started (${config.processingGuarantee}, state in ${config.stateDir}/${topology.applicationId})`)
  }

  private consumerConfig(): ConsumerConfig {
    const { taskManager } = this.phase()
    return {
      groupId: this.topology.applicationId,
      partitionAssigners: [taskAssignor(this.topology, () => taskManager.taskIds())],
      readUncommitted: this.config.processingGuarantee !== 'exactly_once',
      sessionTimeout: this.config.sessionTimeoutMs,
      rebalanceTimeout: 60_000,
      heartbeatInterval: this.heartbeatIntervalMs,
      maxWaitTimeInMs: 200,
    }
  }

  /** Joins the group with a new consumer; the previous session, if any, has ended. */
  private async openSession(): Promise<void> {
    const session = new GroupSession(this.kafka, this.consumerConfig(), this.sessionHandlers)
    this.session = session
    this.handledJoins = -1
    this.rebalancing = false
    const internal = this.topology.internalTopics.filter((topic) => topic.kind === 'repartition').map((topic) => topic.name)
    try {
      await session.start([
        { topics: [...this.topology.externalSourceTopics], fromBeginning: this.config.autoOffsetReset === 'earliest' },
        // Repartition topics are always read from their beginning: they hold this application's own records.
        { topics: internal, fromBeginning: true },
      ])
    } catch (error) {
      await session.stop()
      throw error
    }
  }

  /** A join of the current session: drop what was not committed, then start the assigned tasks. */
  private onJoin(assignment: { [topic: string]: number[] }, session: GroupSession): void {
    if (session !== this.session || !this.active) return
    this.rebalancing = false
    const { taskManager } = this.phase()
    taskManager.assign(assignment)
    this.streamsMetrics.rebalanced()
    this.streamsMetrics.forgetLag()
    this.statusRecorder.rebalanced()
    this.statusRecorder.forgetLag()
    const joins = session.joins
    this.lock
      .run(async () => {
        if (session.ended) return
        // kafkajs resumes every partition from its committed offset after a join: work done
        // since the last commit is redone, so it must not stay in the stores.
        await this.dropUncommitted()
        this.handledJoins = joins
        // Tasks kept through the join resume where they are: kafkajs resumes from the offsets it
        // fetched at the join, which may predate this instance's last transaction.
        this.seekKeptTasks(session)
        // Restore new tasks right away rather than on their first batch, which may be long in coming.
        await this.startTasks(session)
      })
      .catch((error: unknown) => this.recover(error, 'starting the assigned tasks failed'))
  }

  /**
   * Drops what the tasks did since the last commit, before the work is redone from the
   * committed offsets: stores flushed by a commit that failed are rebuilt from their changelogs
   * (exactly-once always rebuilds: it keeps no checkpoint while running); otherwise the stores
   * are as of the last commit and only the tasks' in-memory state goes. Callers hold the lock.
   */
  private async dropUncommitted(): Promise<void> {
    const { taskManager } = this.phase()
    if (this.commitBroken) await taskManager.closeAll(false, undefined, false)
    else if (this.uncommitted) await taskManager.discardUncommitted()
    this.uncommitted = false
    this.commitBroken = false
  }

  /**
   * Creates and restores newly assigned tasks. Under exactly-once it then seeks their
   * partitions to the group's committed offsets read afresh: kafkajs may have read them before
   * the task's producer fenced the previous owner, while that owner's last transaction (offsets
   * included) was still completing (kafkajs cannot ask for stable offsets, KIP-447).
   */
  private async startTasks(session: GroupSession, keepAlive?: () => Promise<void>): Promise<void> {
    const created = await this.phase().taskManager.reconcile(keepAlive)
    if (created.length === 0 || this.config.processingGuarantee !== 'exactly_once') return
    const topics = [...new Set(created.flatMap((entry) => entry.task.subtopology.sourceTopics))]
    const { admin } = this.phase()
    const committed = await retryRetriable('reading committed offsets', () => admin.committedOffsets(this.topology.applicationId, topics), this.config.log, ADMIN_RETRY_MS)
    if (session.ended) return
    for (const entry of created) {
      for (const topic of entry.task.subtopology.sourceTopics) {
        const fetched = committed.find((result) => result.topic === topic && result.partition === entry.task.partition)?.offset.toString()
        const offset = this.committedPositions.resumeFrom(topic, entry.task.partition, fetched)
        if (offset !== undefined) session.consumer.seek({ topic, partition: entry.task.partition, offset })
      }
    }
  }

  /** Seeks the partitions of the tasks that are already running to the position each has reached (all of it committed). */
  private seekKeptTasks(session: GroupSession): void {
    for (const task of this.phase().taskManager.tasks()) {
      for (const [topic, offset] of task.committableOffsets()) session.consumer.seek({ topic, partition: task.partition, offset })
    }
  }

  /**
   * Something failed that closing the tasks and rejoining can survive, or it needs a person
   * and stops the application. One rejoin at a time; a failure during one is part of it.
   */
  private recover(error: unknown, what: string): void {
    if (!this.active) return
    const reason = needsAPerson(error)
    if (reason !== undefined) {
      void this.failWith(new Error(`${what}: ${messageOf(error)} (${reason})`))
      return
    }
    if (this.recovery) return
    this.config.log(`${what}: ${messageOf(error)}; closing tasks and rejoining the group`)
    this.streamsMetrics.recovered(what)
    this.recovery = this.rejoin().finally(() => (this.recovery = undefined))
  }

  /** Ends the session, closes the tasks for a rebuild, and joins again until it works or the application stops. */
  private async rejoin(): Promise<void> {
    let pause = REJOIN_PAUSE_MS
    for (;;) {
      // Waits for the batch in progress; never called with the lock held, which that batch may wait for.
      await this.session?.stop()
      if (!this.active) return
      try {
        await this.lock.run(async () => {
          // A failed commit may have flushed stores past what was committed; a rejoin may lose
          // the tasks to another member. Under at-least-once, stores as of the last commit stay.
          if (this.config.processingGuarantee === 'exactly_once') this.commitBroken = true
          this.uncommitted = true
          await this.dropUncommitted()
        })
        if (!this.active) return
        await this.openSession()
        this.config.log('rejoined the group')
        return
      } catch (error) {
        if (!this.active) return
        this.config.log(`rejoining failed: ${messageOf(error)}; trying again in ${pause} ms`)
        await sleep(pause)
        pause = Math.min(pause * 2, REJOIN_MAX_PAUSE_MS)
      }
    }
  }

  /**
   * Under at-least-once, before anything is sent for the tasks: is this member still theirs?
   * Work begun before a join that is not handled yet belongs to the previous assignment (a
   * member back from a pause rejoins first, then finishes the batch it was in): it is not
   * committed, however fresh the new join makes the lease; the join's handler drops it.
   */
  private async confirmMembership(): Promise<void> {
    const session = this.session
    if (!session) throw new MembershipLostError('not in the group')
    if (session.joins !== this.handledJoins) throw new MembershipLostError('the group was joined again since this work began')
    await session.confirmMembership()
  }

  /** Graceful shutdown: finish the batch, commit, close stores (writing checkpoints), leave the group. */
  close(): Promise<void> {
    this.closing ??= this.shutdown(true)
    return this.closing
  }

  private get heartbeatIntervalMs(): number {
    return Math.min(3_000, Math.floor(this.config.sessionTimeoutMs / 3))
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, session: GroupSession): Promise<void> {
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
        await this.processBatch(session, batch, resolveOffset, isRunning, isStale, keepAlive)
      })
    } finally {
      clearInterval(waiting)
    }
    // No commit when a rebalance starts: a commit cut short there (changelogs sent, offsets
    // refused) would count records twice. The work since the last commit is redone instead.
    if (!session.ended) await heartbeat()
  }

  private async processBatch(
    session: GroupSession,
    batch: EachBatchPayload['batch'],
    resolveOffset: EachBatchPayload['resolveOffset'],
    isRunning: () => boolean,
    isStale: () => boolean,
    keepAlive: () => Promise<void>,
  ): Promise<void> {
    if (this.stateValue !== 'RUNNING' || session !== this.session || session.ended || !isRunning() || isStale()) return
    const { taskManager } = this.phase()
    try {
      await this.startTasks(session, keepAlive)
    } catch (error) {
      this.recover(error, 'starting the assigned tasks failed')
      return
    }
    if (isStale() || session.ended) return
    const subtopology = this.topology.subtopologyOf(batch.topic)
    const task = subtopology && taskManager.get(new TaskId(subtopology.id, batch.partition).format())?.task
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
      const started = performance.now()
      if (records.length > 0) await task.process(records)
      this.streamsMetrics.observeProcess((performance.now() - started) / 1000)
    } catch (error) {
      // Stop at the failing record: commit what came before it, then shut down with the error.
      void this.failWith(error instanceof Error ? error : new Error(String(error)))
      return
    }
    resolveOffset(batch.lastOffset())
    const lag = this.streamsMetrics.recordLag(batch.topic, batch.partition, BigInt(batch.highWatermark), BigInt(batch.lastOffset()) + 1n)
    this.statusRecorder.lag(batch.topic, batch.partition, lag)
    task.advanceOffset(batch.topic, (BigInt(batch.lastOffset()) + 1n).toString())
    this.uncommitted = true
    if (Date.now() - this.lastCommitMs >= this.config.commitIntervalMs || sendBufferFull(taskManager.entries().flatMap((entry) => [entry.sender, entry.collector]), this.config.sendBufferMaxBytes) || task.needsCommit()) {
      await this.commitOrRecover()
    }
  }

  /** Batches of transaction markers only never reach eachBatch; still move past them. */
  private onEmptyBatch(topic: string, partition: number, lastOffset: string, session: GroupSession): void {
    if (session !== this.session || this.stateValue !== 'RUNNING') return
    const subtopology = this.topology.subtopologyOf(topic)
    const task = subtopology && this.running?.taskManager.get(new TaskId(subtopology.id, partition).format())?.task
    if (!task) return
    task.advanceOffset(topic, (BigInt(lastOffset) + 1n).toString())
    this.uncommitted = true
  }

  /** Runs the tasks' wall-clock punctuators that are due, with or without input, between batches. */
  private async punctuateWallClock(): Promise<void> {
    const ready = (): boolean => this.stateValue === 'RUNNING' && !this.recovering && !this.rebalancing
    if (!ready() || !(this.running?.taskManager.tasks().some((task) => task.wallClockDue(Date.now())) ?? false)) return
    try {
      await this.lock.run(async () => {
        if (!ready()) return
        const started = performance.now()
        for (const task of this.running?.taskManager.tasks() ?? []) {
          if (!task.wallClockDue(Date.now())) continue
          await task.punctuateWallClock(Date.now())
          this.uncommitted = true
        }
        this.streamsMetrics.observePunctuation((performance.now() - started) / 1000)
      })
    } catch (error) {
      void this.failWith(new Error(`A wall-clock punctuator failed: ${messageOf(error)}`))
    }
  }

  private async commitIfDue(): Promise<void> {
    const due = (): boolean => this.stateValue === 'RUNNING' && !this.recovering && !this.rebalancing && this.uncommitted && Date.now() - this.lastCommitMs >= this.config.commitIntervalMs
    if (!due()) return
    await this.lock.run(async () => {
      if (due()) await this.commitOrRecover()
    })
  }

  /**
   * Commits; a failure rejoins the group. A member that cannot confirm its membership while a
   * rebalance is under way sent nothing and simply waits for the join, which drops the work.
   */
  private async commitOrRecover(): Promise<void> {
    try {
      await this.commit()
    } catch (error) {
      // A rebalance under way, or a join not handled yet: nothing was sent; the join drops the work.
      if (error instanceof MembershipLostError && (this.rebalancing || this.session?.joins !== this.handledJoins)) return
      this.recover(error, 'commit failed')
    }
  }

  /** Commits, timed for the commit-latency metric. Callers hold the lock. */
  private async commit(): Promise<void> {
    const started = performance.now()
    await this.commitSequence()
    const seconds = (performance.now() - started) / 1000
    this.streamsMetrics.observeCommit(seconds)
    this.statusRecorder.commitTook(seconds)
  }

  /** The numbered commit sequence (see commitTasks) for the guarantee in force. Callers hold the lock. */
  private async commitSequence(): Promise<void> {
    const taskManager = this.running?.taskManager
    const session = this.session
    if (!taskManager || !session) return
    const entries = taskManager.entries()
    if (this.config.processingGuarantee === 'exactly_once') {
      // Every transaction ends, one way or the other, before anything else touches the tasks.
      const results = await Promise.allSettled(entries.map((entry) => this.commitTransaction(entry)))
      const failed = results.find((result) => result.status === 'rejected')
      if (failed) throw new Error(`a transaction failed: ${messageOf(failed.reason)}`, { cause: failed.reason })
      this.uncommitted = false
      this.lastCommitMs = Date.now()
      return
    }
    // Nothing is sent for tasks this member may have lost (the tasks' senders check too).
    await this.confirmMembership()
    const ends = new Map<string, bigint>()
    const offsets: { topic: string; partition: number; offset: string }[] = []
    try {
      // Every task's transaction ends, one way or the other, before the offsets are committed.
      const results = await Promise.allSettled(entries.map((entry) => this.commitFencedTask(entry, ends, offsets)))
      const failed = results.find((result) => result.status === 'rejected')
      if (failed) throw new Error(`a commit failed: ${messageOf(failed.reason)}`, { cause: failed.reason })
      // Step 4, for all tasks at once: everything their offsets led to is committed.
      if (offsets.length > 0) await session.commitOffsets(offsets)
      this.committedPositions.record(offsets)
      this.statusRecorder.committedOffsets(offsets)
      this.purger.committedOffsets(offsets)
    } catch (error) {
      // The stores were flushed: they are ahead of the committed offsets now.
      this.commitBroken = true
      throw error
    }
    this.uncommitted = false
    this.lastCommitMs = Date.now()
    for (const [key, end] of ends) this.changelogEnds.set(key, end)
    await taskManager.checkpoint(await this.knownChangelogEnds(entries.map((entry) => entry.task.partition)))
  }

  /**
   * At-least-once, one task: outputs have been leaving in the background since the last
   * commit, in the task's transaction; its changelog records queue up behind them, and the
   * transaction commits once all of it is acknowledged. Its offsets go to `offsets`, for the
   * consumer to commit once every task's transaction has.
   */
  private async commitFencedTask(entry: ActiveTask, ends: Map<string, bigint>, offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    const { sender, transaction } = entry
    if (!sender || !transaction) throw new Error(`task ${entry.task.taskId} runs at-least-once without its sender`)
    try {
      await commitTasks(
        [entry.task],
        (store) => this.topology.changelogTopicOf(store),
        atLeastOnceSteps(
          sender,
          async (all) => {
            for (const { partition, offsets: next } of all) for (const [topic, offset] of next) offsets.push({ topic, partition, offset })
          },
          ends,
        ),
        Date.now(),
      )
      await transaction.commit()
    } catch (error) {
      await transaction.abort()
      throw error
    }
  }

  /** Exactly-once: one task's changelogs, outputs and consumed offsets as one Kafka transaction. */
  private async commitTransaction(entry: ActiveTask): Promise<void> {
    const producer = entry.producer
    if (!producer) throw new Error(`task ${entry.task.taskId} runs exactly-once without its transactional producer`)
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
            // Partitioned here: kafkajs's own murmur2 allocates per 4 key bytes (seconds for a 1 MiB key).
            await sendRecords(transaction, entry.collector.drain(), (topic) => this.partitionCounts.get(topic))
          },
          commitOffsets: async ([{ partition, offsets }]: readonly TaskOffsets[]) => {
            const topics = [...offsets].map(([topic, offset]) => ({ topic, partitions: [{ partition, offset }] }))
            if (topics.length > 0) await sendOffsetsRetrying(transaction, this.topology.applicationId, topics)
            sentOffsets = [...offsets].map(([topic, offset]) => ({ topic, partition, offset }))
          },
        },
        Date.now(),
      )
      await transaction.commit()
      this.committedPositions.record(sentOffsets)
      this.statusRecorder.committedOffsets(sentOffsets)
      this.purger.committedOffsets(sentOffsets)
    } catch (error) {
      await transaction.abort().catch(() => undefined)
      throw error
    }
  }

  /** Changelog ends for checkpoints: from our own writes, else asked of the broker once. */
  private async knownChangelogEnds(partitions: readonly number[]): Promise<Map<string, bigint>> {
    const changelogs = this.topology.internalTopics.filter((topic) => topic.kind === 'changelog').map((topic) => topic.name)
    for (const topic of changelogs) {
      if (partitions.every((partition) => this.changelogEnds.has(topicPartitionKey({ topic, partition })))) continue
      for (const [partition, end] of await this.endOffsets(topic)) {
        const key = topicPartitionKey({ topic, partition })
        if (!this.changelogEnds.has(key)) this.changelogEnds.set(key, end)
      }
    }
    return this.changelogEnds
  }

  private async endOffsets(topic: string): Promise<Map<number, bigint>> {
    // The global stores ask during start-up, before the running phase exists.
    const admin = this.admin ?? this.phase().admin
    return retryRetriable(`reading the end offsets of ${topic}`, () => admin.endOffsets(topic), this.config.log, ADMIN_RETRY_MS)
  }

  private deadLetter(collector: BufferedCollector, topic: string, error: DeserializationError | ProcessingError, raw: IncomingRecord): 'continue' {
    const record = deadLetterRecord(topic, error, raw, this.deadLetterMaxBytes)
    collector.send(record)
    this.streamsMetrics.deadLettered()
    this.statusRecorder.deadLettered(error, raw, record.headers)
    this.config.log(`dead-lettered: ${error.message}`)
    return 'continue'
  }

  private failWith(error: Error): Promise<void> {
    if (!this.fatal) {
      this.fatal = error
      this.config.log(`stopping on error: ${error.message}`)
    }
    this.closing ??= this.shutdown(true)
    // Callers fire and forget (`void this.failWith(...)`): a failing shutdown is logged, never an unhandled rejection.
    return this.closing.catch((failure: unknown) => this.config.log(`shutdown failed: ${messageOf(failure)}`))
  }

  private async shutdown(commit: boolean): Promise<void> {
    if (this.stateValue === 'CREATED') {
      this.stateValue = nextState(this.stateValue, 'STOPPED')
      this.resolveStopped()
      return
    }
    this.stateValue = nextState(this.stateValue, 'STOPPING')
    clearInterval(this.commitTimer)
    clearInterval(this.punctuationTimer)
    await this.queryEndpoint?.close()
    await this.metricsServer?.close()
    try {
      // A rejoin under way notices the stop and returns; its tasks are closed below.
      await this.recovery
      await this.lock.run(async () => {
        if (!commit) return
        try {
          await this.commit()
          // Exactly-once tracks no changelog ends of its own: ask the broker, after the last commit.
          if (this.config.processingGuarantee === 'exactly_once') this.changelogEnds.clear()
          await this.running?.taskManager.closeAll(true, await this.knownChangelogEnds(this.running.taskManager.tasks().map((task) => task.partition)))
        } catch (error) {
          this.config.log(`commit on shutdown failed, closing dirty: ${messageOf(error)}`)
          await this.running?.taskManager.closeAll(false)
        }
      })
      await this.session?.stop()
      // Its positions always match what its stores hold, so it checkpoints even after a failure.
      await this.globalThread?.close(true)
      await this.purger.settled()
      await this.admin?.close()
    } finally {
      this.stateValue = nextState(this.stateValue, this.fatal ? 'ERROR' : 'STOPPED')
      this.config.log(this.fatal ? 'stopped with an error' : 'stopped')
      this.resolveStopped()
    }
  }
}
