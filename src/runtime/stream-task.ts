import { DeserializationError, ProcessingError, type RecordPosition } from '../errors.js'
import { checkEventTime, futureSkewBoundMs } from '../processor/event-time.js'
import type { Cancellable, Processor, PunctuationType, Punctuator } from '../processor/processor.js'
import type { CachingProcessor, PrefetchingProcessor } from '../processor/processor-capabilities.js'
import { Record } from '../processor/record.js'
import { TaskId } from '../base/task-id.js'
import type { ManagedStore } from '../state/managed-store.js'
import type { StateStore } from '../state/store.js'
import type { SinkNode, SourceNode } from '../topology/nodes.js'
import type { Subtopology } from '../topology/topology.js'
import { ProcessorContextImpl, type TaskServices } from './processor-context-impl.js'
import { PunctuationSchedule } from './punctuation-schedule.js'
import { withOrigin, withoutOrigin } from './record-origin.js'
import { TaskMetrics } from '../processor/task-metrics.js'
import type { IncomingRecord, RecordCollector } from './wire-records.js'

/** What to do with a record that failed: stop the task (rethrow) or skip it and go on. */
export type FailureDecision = 'fail' | 'continue'
export type FailureHandler = (error: DeserializationError | ProcessingError, record: IncomingRecord) => FailureDecision

function isPromiseLike(value: unknown): value is PromiseLike<void> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<void>).then === 'function'
}

function isCaching(processor: object): processor is CachingProcessor {
  return typeof (processor as Partial<CachingProcessor>).forwardCached === 'function'
}

function isPrefetching(processor: object): processor is PrefetchingProcessor {
  return typeof (processor as Partial<PrefetchingProcessor>).prefetch === 'function'
}

export interface StreamTaskOptions {
  applicationId: string
  subtopology: Subtopology
  partition: number
  /** The task's stores, opened and restored by the caller. */
  stores: ReadonlyMap<string, ManagedStore>
  /** The instance's global stores, which processors read but the task neither flushes nor closes. */
  globalStores?: ReadonlyMap<string, StateStore>
  collector: RecordCollector
  clock: () => number
  onFailure?: FailureHandler
  /** Aggregation updates each caching processor may hold until commit (default 0: forward each at once). */
  updateCacheMaxEntries?: number
  /** ... and at most this many bytes of them each (default DEFAULT_UPDATE_CACHE_MAX_BYTES). */
  updateCacheMaxBytes?: number
  /** Event times further ahead of `eventTimeClock` are refused (default 1 day; 0 or Infinity: no check). */
  maxFutureTimestampSkewMs?: number
  /** The wall clock event times are checked against (default `clock`). */
  eventTimeClock?: () => number
  /** Sees each record a sink writes to an output topic (not repartition topics), before it is serialized. */
  onOutput?: (topic: string, record: Record<unknown, unknown>) => void
}

interface RunningNode {
  readonly name: string
  readonly processor: Processor<unknown, unknown, unknown, unknown>
  /** Records this node was handed (the console's per-node rates). */
  records: number
}

/** One sub-topology over one partition: the unit that processes, punctuates and commits. */
export class StreamTask implements TaskServices {
  readonly taskId: string
  readonly applicationId: string
  readonly metrics = new TaskMetrics()
  readonly updateCacheMaxEntries: number
  readonly updateCacheMaxBytes: number | undefined
  private readonly nodes = new Map<string, RunningNode>()
  private readonly sourcesByTopic = new Map<string, SourceNode>()
  private readonly sourceChildren = new Map<string, string[]>()
  /** Records each source node decoded. */
  private readonly sourceRecords = new Map<string, number>()
  private readonly punctuations = new PunctuationSchedule()
  private readonly pending: Promise<void>[] = []
  /** Next offset to consume per source topic, i.e. what a commit stores. */
  private readonly nextOffsets = new Map<string, string>()
  private streamTimeMs = -1
  private readonly futureSkewMs: number
  private current: RecordPosition | undefined
  private currentNode = ''

  constructor(private readonly options: StreamTaskOptions) {
    this.applicationId = options.applicationId
    this.taskId = new TaskId(options.subtopology.id, options.partition).format()
    this.updateCacheMaxEntries = options.updateCacheMaxEntries ?? 0
    this.updateCacheMaxBytes = options.updateCacheMaxBytes
    this.futureSkewMs = futureSkewBoundMs(options.maxFutureTimestampSkewMs)
  }

  get partition(): number {
    return this.options.partition
  }

  get subtopology(): Subtopology {
    return this.options.subtopology
  }

  /**
   * Prepares the serdes that write (sinks, stores), creates the processors (children before
   * parents are irrelevant: nothing flows yet) and runs their init().
   */
  async initialize(): Promise<void> {
    await this.prepareSerdesToWrite()
    const children = new Map<string, string[]>()
    for (const node of this.options.subtopology.nodes) {
      if (node.kind === 'source') continue
      for (const parent of node.parents) children.set(parent, [...(children.get(parent) ?? []), node.name])
    }
    const inits: { name: string; processor: Processor<unknown, unknown, unknown, unknown>; context: ProcessorContextImpl<unknown, unknown> }[] = []
    for (const node of this.options.subtopology.nodes) {
      const kids = children.get(node.name) ?? []
      if (node.kind === 'source') {
        for (const topic of node.topics) this.sourcesByTopic.set(topic, node)
        this.sourceChildren.set(node.name, kids)
        continue
      }
      const processor = node.kind === 'sink' ? this.sinkProcessor(node) : node.supplier()
      this.nodes.set(node.name, { name: node.name, processor, records: 0 })
      if (node.kind === 'processor') inits.push({ name: node.name, processor, context: new ProcessorContextImpl(this, node.name, kids, node.stores) })
    }
    for (const { name, processor, context } of inits) {
      this.currentNode = name
      try {
        await processor.init?.(context)
      } catch (error) {
        throw new ProcessingError(undefined, name, error)
      }
    }
  }

  /**
   * Processes a fetched batch of one or more partitions of this task's source topics. Records
   * that fail go to the failure handler; 'fail' (the default) stops at that record, after the
   * records before it were processed.
   */
  async process(batch: readonly IncomingRecord[]): Promise<void> {
    const decoded = await this.deserialize(batch)
    await this.prefetch(decoded)
    // The last record done; its next offset is recorded when the topic changes and at the end
    // (also when a record fails), not per record.
    let done: IncomingRecord | undefined
    try {
      for (let index = 0; index < batch.length; index++) {
        const raw = batch[index]
        const entry = decoded[index]
        this.current = { topic: raw.topic, partition: raw.partition, offset: raw.offset }
        if (entry instanceof DeserializationError || entry instanceof ProcessingError) {
          this.handleFailure(entry, raw)
        } else {
          // The record's processors see its time as stream time; a record that fails takes it back.
          const streamTimeBefore = this.streamTimeMs
          if (entry.record.timestamp > this.streamTimeMs) this.streamTimeMs = entry.record.timestamp
          this.sourceRecords.set(entry.source, (this.sourceRecords.get(entry.source) ?? 0) + 1)
          try {
            for (const child of this.sourceChildren.get(entry.source) ?? []) this.dispatch(child, entry.record)
            if (this.pending.length > 0) await this.settlePending()
          } catch (error) {
            this.pending.length = 0
            this.streamTimeMs = streamTimeBefore
            this.handleFailure(error instanceof ProcessingError ? error : new ProcessingError(this.current, this.currentNode, error), raw)
          }
        }
        this.metrics.recordsProcessed++
        if (done !== undefined && done.topic !== raw.topic) this.nextOffsets.set(done.topic, (BigInt(done.offset) + 1n).toString())
        done = raw
        if (this.punctuations.hasStreamTimePunctuators) await this.punctuate('stream-time', this.streamTimeMs)
      }
    } finally {
      if (done !== undefined) this.nextOffsets.set(done.topic, (BigInt(done.offset) + 1n).toString())
    }
    this.current = undefined
  }

  /** Whether a wall-clock punctuator is due at `nowMs`. */
  wallClockDue(nowMs: number): boolean {
    return this.punctuations.wallClockDue(nowMs)
  }

  /** Runs wall-clock punctuators that are due at `nowMs`. */
  async punctuateWallClock(nowMs: number): Promise<void> {
    await this.punctuate('wall-clock', nowMs)
  }

  /**
   * Commit step 1a: forwards the updates caching processors hold, upstream ones first (nodes are
   * kept in the order they were added, parents before children), so that what they lead to is
   * in the stores and outputs this commit flushes.
   */
  async forwardCachedUpdates(): Promise<void> {
    for (const node of this.nodes.values()) {
      if (!isCaching(node.processor)) continue
      this.currentNode = node.name
      try {
        node.processor.forwardCached()
      } catch (error) {
        this.pending.length = 0
        throw error instanceof ProcessingError ? error : new ProcessingError(undefined, node.name, error)
      }
      await this.settlePending()
    }
  }

  /** True when a store's write-back cache is full enough that the task should commit now. */
  needsCommit(): boolean {
    for (const store of this.options.stores.values()) if (store.needsFlush()) return true
    return false
  }

  /**
   * Moves the position to commit past offsets that held no record for the task (transaction
   * markers, aborted records), so that a finished input shows no lag.
   */
  advanceOffset(topic: string, nextOffset: string): void {
    const current = this.nextOffsets.get(topic)
    if (current === undefined || BigInt(nextOffset) > BigInt(current)) this.nextOffsets.set(topic, nextOffset)
  }

  /** Consumed positions to commit: next offset per source topic of this task's partition. */
  committableOffsets(): ReadonlyMap<string, string> {
    return this.nextOffsets
  }

  get stores(): ReadonlyMap<string, ManagedStore> {
    return this.options.stores
  }

  /** Records each node of the sub-topology was handed so far (sources: records decoded). */
  recordsPerNode(): Map<string, number> {
    const counts = new Map(this.sourceRecords)
    for (const node of this.nodes.values()) counts.set(node.name, node.records)
    return counts
  }

  async close(): Promise<void> {
    for (const node of this.nodes.values()) {
      this.currentNode = node.name
      await node.processor.close?.()
    }
  }

  // TaskServices, used by the nodes' contexts.

  dispatch(childName: string, record: Record<unknown, unknown>): void {
    const child = this.nodes.get(childName)
    if (!child) throw new Error(`Unknown child node "${childName}" in task ${this.taskId}`)
    child.records++
    const parentNode = this.currentNode
    this.currentNode = childName
    let result: void | Promise<void>
    try {
      result = child.processor.process(record)
    } catch (error) {
      throw error instanceof ProcessingError ? error : new ProcessingError(this.current, childName, error)
    } finally {
      this.currentNode = parentNode
    }
    // Only a promise is awaited: a `() => void` processor may return anything (TypeScript lets
    // `(r) => list.push(r)` be one), and such a value must not be taken for a promise.
    if (isPromiseLike(result)) {
      const position = this.current
      this.pending.push(Promise.resolve(result).catch((error: unknown) => Promise.reject(error instanceof ProcessingError ? error : new ProcessingError(position, childName, error))))
    }
  }

  store(name: string): StateStore {
    const store = this.options.stores.get(name) ?? this.options.globalStores?.get(name)
    if (!store) throw new Error(`Task ${this.taskId} has no store named "${name}"`)
    return store
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    return this.punctuations.add(type, intervalMs, punctuator, type === 'wall-clock' ? this.options.clock() : this.streamTimeMs)
  }

  streamTime(): number {
    return this.streamTimeMs
  }

  /** The latest event time accepted now: the wall clock plus maxFutureTimestampSkewMs (Infinity: no check). */
  latestPlausibleTimestampMs(): number {
    return this.futureSkewMs === Infinity ? Infinity : (this.options.eventTimeClock ?? this.options.clock)() + this.futureSkewMs
  }

  systemTime(): number {
    return this.options.clock()
  }

  position(): RecordPosition | undefined {
    return this.current
  }

  /** Serialize is synchronous: a schema-registry serde looks up or registers its schema here, once per task. */
  private async prepareSerdesToWrite(): Promise<void> {
    for (const node of this.options.subtopology.nodes) {
      if (node.kind !== 'sink') continue
      await node.keySerde.prepare?.(node.topic, [])
      await node.valueSerde.prepare?.(node.topic, [])
    }
    for (const store of this.options.stores.values()) {
      await store.spec.keySerde.prepare?.(store.serdeTopic, [])
      await store.spec.valueSerde.prepare?.(store.serdeTopic, [])
    }
  }

  private async deserialize(batch: readonly IncomingRecord[]): Promise<({ source: string; record: Record<unknown, unknown> } | DeserializationError | ProcessingError)[]> {
    const topics = new Set(batch.map((record) => record.topic))
    for (const topic of topics) {
      const source = this.sourceFor(topic)
      if (!source.keySerde.prepare && !source.valueSerde.prepare) continue
      const ofTopic = batch.filter((record) => record.topic === topic)
      await source.keySerde.prepare?.(topic, ofTopic.map((record) => record.key))
      await source.valueSerde.prepare?.(topic, ofTopic.map((record) => record.value))
    }
    const positionOf = (raw: IncomingRecord): RecordPosition => ({ topic: raw.topic, partition: raw.partition, offset: raw.offset })
    let source: SourceNode | undefined
    const latestPlausible = this.latestPlausibleTimestampMs()
    return batch.map((raw) => {
      if (source === undefined || !source.topics.includes(raw.topic)) source = this.sourceFor(raw.topic)
      let key: unknown
      let value: unknown
      try {
        key = source.keySerde.deserialize(raw.topic, raw.key, raw.headers)
      } catch (error) {
        return new DeserializationError(positionOf(raw), 'key', error)
      }
      try {
        value = source.valueSerde.deserialize(raw.topic, raw.value, raw.headers)
      } catch (error) {
        return new DeserializationError(positionOf(raw), 'value', error)
      }
      let timestamp = raw.timestamp
      if (source.timestampExtractor) {
        try {
          timestamp = source.timestampExtractor(value, key, raw.timestamp)
        } catch (error) {
          return new ProcessingError(positionOf(raw), `${source.name} (timestamp extractor)`, error)
        }
      }
      const invalid = checkEventTime(timestamp, latestPlausible)
      if (invalid) return new ProcessingError(positionOf(raw), `${source.name} (timestamp extractor)`, invalid)
      return { source: source.name, record: new Record(key, value, timestamp, raw.headers) }
    })
  }

  /** One batched store read per prefetching processor fed directly by a source. */
  private async prefetch(decoded: readonly ({ source: string; record: Record<unknown, unknown> } | Error)[]): Promise<void> {
    for (const [source, children] of this.sourceChildren) {
      const records = decoded.flatMap((entry) => (entry instanceof Error || entry.source !== source ? [] : [entry.record]))
      if (records.length === 0) continue
      for (const child of children) {
        const processor = this.nodes.get(child)?.processor
        if (processor && isPrefetching(processor)) await processor.prefetch(records)
      }
    }
  }

  private sourceFor(topic: string): SourceNode {
    const source = this.sourcesByTopic.get(topic)
    if (!source) throw new Error(`Task ${this.taskId} does not read topic "${topic}"`)
    return source
  }

  private async settlePending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0)
      await Promise.all(batch)
    }
  }

  private handleFailure(error: DeserializationError | ProcessingError, raw: IncomingRecord): void {
    const decision = this.options.onFailure?.(error, raw) ?? 'fail'
    if (decision === 'fail') throw error
    this.metrics.recordsSkipped++
  }

  private async punctuate(type: PunctuationType, nowMs: number): Promise<void> {
    const saved = this.current
    this.current = undefined
    this.metrics.punctuations += await this.punctuations.fire(type, nowMs, async (punctuator, timestamp) => {
      await punctuator(timestamp)
      await this.settlePending()
    })
    this.current = saved
  }

  private sinkProcessor(node: SinkNode): Processor<unknown, unknown> {
    const collector = this.options.collector
    const repartition = node.repartition === true
    const onOutput = repartition ? undefined : this.options.onOutput
    return {
      process: (record) => {
        if (!repartition) this.metrics.recordsProduced++
        onOutput?.(node.topic, record)
        const key = node.keySerde.serialize(node.topic, record.key, record.headers)
        const value = node.valueSerde.serialize(node.topic, record.value, record.headers)
        const partition = node.partitioner?.(record.key, record.value, collector.partitionsFor(node.topic))
        // A repartition record names its source record, for dead letters downstream; what leaves the application does not.
        const headers = repartition ? withOrigin(record.headers, this.current) : withoutOrigin(record.headers)
        collector.send({ topic: node.topic, partition, key, value, timestamp: record.timestamp, headers })
      },
    }
  }
}
