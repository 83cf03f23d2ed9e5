import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { TaskMetrics } from '../../processor/task-metrics.js'
import type { CacheStats } from '../../state/write-back-cache.js'
import type { StreamsState } from '../streams-state.js'

/** What the metrics read from the application when scraped (counters the tasks keep themselves). */
/** A store of a running task, as far as its cache metrics go. */
export interface StoreCacheSource {
  readonly name: string
  cacheStats(): CacheStats & { readonly bytes: number }
}

export interface MetricsSource {
  /** The running tasks' counters and stores, and the sum of the counters of tasks closed since the start. */
  tasks(): readonly { readonly taskId: string; readonly metrics: TaskMetrics; readonly stores?: Iterable<StoreCacheSource> }[]
  closedTasks(): TaskMetrics
  state(): StreamsState
}

/** Latency buckets in seconds, from a fast batch to a commit that waits on a broker. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

const STATES: readonly StreamsState[] = ['CREATED', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'ERROR']

/**
 * An application's metrics in Prometheus terms, named in the spirit of Kafka Streams' (records
 * processed, process / commit / punctuate latency, records lag, restore remaining, late
 * records dropped, ...), on a registry of its own so that two applications in one process do
 * not share them. Task counters are read from the tasks at scrape time; latencies, lag and
 * events are recorded by the runtime as they happen.
 */
export class StreamsMetrics {
  readonly registry = new Registry()
  private readonly processLatency: Histogram
  private readonly commitLatency: Histogram
  private readonly punctuationLatency: Histogram
  private readonly lag: Gauge
  private readonly restoreRemaining: Gauge
  private readonly restored: Counter
  private readonly rebalances: Counter
  private readonly recoveries: Counter
  private readonly deadLetters: Counter
  private readonly clientErrors: Counter

  constructor(
    readonly applicationId: string,
    source: MetricsSource,
  ) {
    const registers = [this.registry]
    this.registry.setDefaultLabels({ application_id: applicationId })
    // The usual process_* and nodejs_* names: CPU, memory, event-loop lag, GC.
    collectDefaultMetrics({ register: this.registry })
    const perTask = (name: string, help: string, read: (metrics: TaskMetrics) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['task_id'],
        registers,
        collect() {
          this.reset()
          for (const task of source.tasks()) this.inc({ task_id: task.taskId }, read(task.metrics))
          const closed = read(source.closedTasks())
          if (closed > 0) this.inc({ task_id: 'closed' }, closed)
        },
      })
    }
    perTask('sluice_records_processed_total', 'Input records processed, per task (tasks closed since the start under task_id="closed").', (metrics) => metrics.recordsProcessed)
    perTask('sluice_records_produced_total', "Records written to the topology's output topics, per task (repartition topics not counted).", (metrics) => metrics.recordsProduced)
    perTask('sluice_late_records_dropped_total', 'Records dropped because their window had closed (stream time >= window end + grace).', (metrics) => metrics.lateRecordsDropped)
    perTask('sluice_records_skipped_total', 'Records a failure handler skipped (sent to the dead-letter topic).', (metrics) => metrics.recordsSkipped)
    perTask('sluice_foreign_key_responses_dropped_total', "Foreign-key join answers dropped because the left row had changed since it subscribed (a later answer is on its way).", (metrics) => metrics.foreignKeyResponsesDropped)
    perTask('sluice_duplicates_dropped_total', 'Records a deduplicate() step dropped because it had seen their id already.', (metrics) => metrics.duplicatesDropped)
    perTask('sluice_punctuations_total', 'Punctuator calls (stream time and wall clock).', (metrics) => metrics.punctuations)
    perTask('sluice_update_cache_hits_total', "Aggregation updates the update cache absorbed (the key's later update replaced them before the commit).", (metrics) => metrics.updateCacheHits)
    new Gauge({
      name: 'sluice_update_cache_bytes',
      help: 'Bytes of aggregation updates the update cache holds until the commit, per task.',
      labelNames: ['task_id'],
      registers,
      collect() {
        this.reset()
        for (const task of source.tasks()) this.set({ task_id: task.taskId }, task.metrics.updateCacheBytes)
      },
    })
    perTask('sluice_update_cache_evictions_total', 'Held aggregation updates forwarded before the commit because the update cache was full.', (metrics) => metrics.updateCacheEvictions)
    type StoreStats = CacheStats & { readonly bytes: number }
    const eachStore = (visit: (labels: { task_id: string; store: string }, stats: StoreStats) => void): void => {
      for (const task of source.tasks()) for (const store of task.stores ?? []) visit({ task_id: task.taskId, store: store.name }, store.cacheStats())
    }
    const storeCounter = (name: string, help: string, read: (stats: StoreStats) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['task_id', 'store'],
        registers,
        collect() {
          this.reset()
          eachStore((labels, stats) => this.inc(labels, read(stats)))
        },
      })
    }
    storeCounter('sluice_store_cache_hits_total', "Reads answered by a store's write-back cache (tasks running now).", (stats) => stats.hits)
    storeCounter('sluice_store_cache_misses_total', "Reads a store's write-back cache sent to the backend (LevelDB, RocksDB).", (stats) => stats.misses)
    storeCounter('sluice_store_cache_evictions_total', "Clean entries a store's write-back cache dropped to stay within its bounds.", (stats) => stats.evictions)
    new Gauge({
      name: 'sluice_store_cache_bytes',
      help: "Bytes a store's write-back cache holds, clean and dirty.",
      labelNames: ['task_id', 'store'],
      registers,
      collect() {
        this.reset()
        eachStore((labels, stats) => this.set(labels, stats.bytes))
      },
    })
    new Gauge({
      name: 'sluice_active_tasks',
      help: 'Tasks this instance runs.',
      registers,
      collect() {
        this.set(source.tasks().length)
      },
    })
    new Gauge({
      name: 'sluice_state',
      help: 'The application state: 1 for the current one.',
      labelNames: ['state'],
      registers,
      collect() {
        const current = source.state()
        for (const state of STATES) this.set({ state }, state === current ? 1 : 0)
      },
    })
    this.processLatency = new Histogram({ name: 'sluice_process_latency_seconds', help: 'Time to process one fetched batch.', buckets: LATENCY_BUCKETS, registers })
    this.commitLatency = new Histogram({ name: 'sluice_commit_latency_seconds', help: 'Time of a commit: flush stores, changelogs, outputs, offsets.', buckets: LATENCY_BUCKETS, registers })
    this.punctuationLatency = new Histogram({ name: 'sluice_punctuate_latency_seconds', help: 'Time of one round of due wall-clock punctuators.', buckets: LATENCY_BUCKETS, registers })
    this.lag = new Gauge({ name: 'sluice_records_lag', help: 'Records between the last one processed and the end of the partition, as of its last fetch.', labelNames: ['topic', 'partition'], registers })
    this.restoreRemaining = new Gauge({ name: 'sluice_restore_remaining_records', help: 'Changelog records still to restore before the tasks being restored can run.', registers })
    this.restored = new Counter({ name: 'sluice_restored_records_total', help: 'Changelog records restored into stores.', registers })
    this.rebalances = new Counter({ name: 'sluice_rebalances_total', help: 'Group joins whose assignment this instance took on.', registers })
    this.recoveries = new Counter({ name: 'sluice_recoveries_total', help: 'Faults ridden out by closing the tasks and rejoining the group, by what failed.', labelNames: ['reason'], registers })
    this.deadLetters = new Counter({ name: 'sluice_dead_letters_total', help: 'Records written to the dead-letter topic.', registers })
    this.clientErrors = new Counter({ name: 'sluice_client_errors_total', help: "Errors the Kafka client reported, by the part that reported them (consumer, producer, admin, connection).", labelNames: ['client'], registers })
  }

  observeProcess(seconds: number): void {
    this.processLatency.observe(seconds)
  }

  observeCommit(seconds: number): void {
    this.commitLatency.observe(seconds)
  }

  observePunctuation(seconds: number): void {
    this.punctuationLatency.observe(seconds)
  }

  /** The partition's end (high watermark) and the next offset to process, from a fetched batch. */
  /** Returns the lag it recorded. */
  recordLag(topic: string, partition: number, highWatermark: bigint, nextOffset: bigint): number {
    const lag = highWatermark > nextOffset ? Number(highWatermark - nextOffset) : 0
    this.lag.set({ topic, partition: String(partition) }, lag)
    return lag
  }

  /** Partitions this instance no longer reads drop out of the lag. */
  forgetLag(): void {
    this.lag.reset()
  }

  restoreProgress(restoredNow: number, remaining: number): void {
    if (restoredNow > 0) this.restored.inc(restoredNow)
    this.restoreRemaining.set(remaining)
  }

  rebalanced(): void {
    this.rebalances.inc()
  }

  recovered(reason: string): void {
    this.recoveries.inc({ reason })
  }

  clientError(part: string): void {
    this.clientErrors.inc({ client: part })
  }

  deadLettered(): void {
    this.deadLetters.inc()
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
