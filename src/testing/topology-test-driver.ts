import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TaskId } from '../base/task-id.js'
import { topicPartitionKey } from '../base/topic-partition.js'
import type { Serde } from '../serde/serde.js'
import { commitTasks } from '../runtime/commit-sequence.js'
import { deadLetterRecord } from '../runtime/dead-letter.js'
import { StreamTask, type FailureHandler } from '../runtime/stream-task.js'
import { GlobalStateStores } from '../runtime/global-state-stores.js'
import { TaskMetrics } from '../processor/task-metrics.js'
import type { IncomingRecord, OutgoingRecord, RecordCollector } from '../runtime/wire-records.js'
import type { BackendKind } from '../state/backend.js'
import type { ManagedStore } from '../state/managed-store.js'
import { openStore } from '../state/open-store.js'
import { deleteTemporaryDirectory } from '../state/safe-delete.js'
import { createStateDirectories } from '../state/state-directory.js'
import type { KeyValueStore, SessionStore, WindowStore } from '../state/store.js'
import type { Topology } from '../topology/topology.js'
import { TestInputTopic, TestOutputTopic, type InputSink, type RawTestRecord } from './test-topics.js'

export interface TestDriverOptions {
  /** Store backend (default 'leveldb', the production default). */
  backend?: BackendKind
  /** State directory; default a fresh temporary one, removed on close(). */
  stateDir?: string
  /** Mocked wall-clock start (default 0); advance it with advanceWallClockTime(). */
  initialWallClockTimeMs?: number
  /** Commit (flush stores, write changelogs) when wall-clock time advances this much (default 30 s). */
  commitIntervalMs?: number
  /** Also commit after this many input records (default 10_000). */
  commitEveryRecords?: number
  /**
   * Aggregation updates held per task until commit, latest per key, as the Kafka runtime does
   * (default 0 here: every update is forwarded at once, so each input's effect is visible).
   */
  updateCacheMaxEntries?: number
  /** ... and at most this many bytes of them per aggregation (default 8 MiB), as on Kafka. */
  updateCacheMaxBytes?: number
  /** Each store's write-back cache bound in bytes (default 32 MiB), as on Kafka. */
  storeCacheMaxBytes?: number
  /** Send records that fail to this topic instead of throwing. */
  deadLetterTopic?: string
  /**
   * Dead letters larger than this go as stubs, as the Kafka runtime sends those its dead-letter
   * topic would refuse (default: no limit).
   */
  deadLetterMaxBytes?: number
  /**
   * Event times further ahead of the wall clock than this go to the dead-letter topic (or fail)
   * and move no stream time (default 1 day; 0 or Infinity: no check, for replays of future-dated
   * data). The wall clock here is the later of the real one and the mocked one.
   */
  maxFutureTimestampSkewMs?: number
  /** Largest batch handed to a task at once, as a consumer fetch would (default 1000). */
  maxBatchSize?: number
  /**
   * Changelog records per changelog topic to restore into the stores before processing, as
   * the Kafka runtime does on a fresh instance (e.g. `topicContents(changelog)` of an earlier
   * driver, to test that a new version of the topology reads old changelogs).
   */
  restoreChangelogs?: { readonly [topic: string]: readonly { readonly key: Buffer | null; readonly value: Buffer | null }[] }
}

/**
 * Runs a topology in-process without a broker, on the real store backends, like Kafka
 * Streams' TopologyTestDriver: one task per sub-topology on partition 0; records written to a
 * topic that the topology reads (repartition topics) are processed before pipe calls return.
 */
export class TopologyTestDriver implements InputSink {
  private readonly topics = new Map<string, OutgoingRecord[]>()
  private readonly readQueues = new Map<string, OutgoingRecord[]>()
  private readonly offsets = new Map<string, number>()
  private readonly routed: OutgoingRecord[] = []
  private readonly committedOffsets = new Map<string, string>()
  private wallClockMs: number
  private lastCommitMs: number
  private recordsSinceCommit = 0
  private tasks: StreamTask[] = []
  /** Every store opened by start(), to release them if start() fails. */
  private readonly opened: ManagedStore[] = []
  private globalState: GlobalStateStores | undefined
  private closed = false

  private constructor(
    readonly topology: Topology,
    private readonly options: TestDriverOptions,
    private readonly stateDir: string,
    private readonly ownsStateDir: boolean,
  ) {
    this.wallClockMs = options.initialWallClockTimeMs ?? 0
    this.lastCommitMs = this.wallClockMs
  }

  static async create(topology: Topology, options: TestDriverOptions = {}): Promise<TopologyTestDriver> {
    const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'sluice-driver-')))
    const driver = new TopologyTestDriver(topology, options, stateDir, options.stateDir === undefined)
    try {
      await driver.start()
    } catch (error) {
      // A processor's init() failed: release what was opened (LevelDB holds a lock per store).
      for (const store of driver.opened) await store.close().catch(() => {})
      await driver.globalState?.close(false).catch(() => {})
      if (driver.ownsStateDir) await deleteTemporaryDirectory(stateDir)
      throw error
    }
    return driver
  }

  createInputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestInputTopic<K, V> {
    if (!this.topology.subtopologyOf(topic) && !this.topology.globalStoreOf(topic)) throw new Error(`The topology "${this.topology.applicationId}" does not read topic "${topic}"`)
    return new TestInputTopic(this, topic, keySerde, valueSerde)
  }

  createOutputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic(this.readQueue(topic), topic, keySerde, valueSerde)
  }

  /** Every record ever written to a topic (outputs, repartition, changelog, dead letters), unconsumed by reads. */
  topicContents(topic: string): readonly OutgoingRecord[] {
    return this.topics.get(topic) ?? []
  }

  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> {
    return this.findStore(name) as unknown as KeyValueStore<K, V>
  }

  getWindowStore<K, V>(name: string): WindowStore<K, V> {
    return this.findStore(name) as unknown as WindowStore<K, V>
  }

  getSessionStore<K, V>(name: string): SessionStore<K, V> {
    return this.findStore(name) as unknown as SessionStore<K, V>
  }

  /** Counters summed over all tasks. */
  metrics(): TaskMetrics {
    const total = new TaskMetrics()
    for (const task of this.tasks) total.add(task.metrics)
    return total
  }

  /** Committed next offsets per `<topic>:<partition>` (see topicPartitionKey), e.g. `orders:0`. */
  committed(): ReadonlyMap<string, string> {
    return this.committedOffsets
  }

  /** Moves the mocked wall clock, firing wall-clock punctuators and the interval commit. */
  async advanceWallClockTime(ms: number): Promise<void> {
    this.wallClockMs += ms
    for (const task of this.tasks) await task.punctuateWallClock(this.wallClockMs)
    await this.drainRouted()
    if (this.wallClockMs - this.lastCommitMs >= (this.options.commitIntervalMs ?? 30_000)) await this.commit()
  }

  /** Runs the commit sequence now: flush stores, changelogs, outputs, offsets. */
  async commit(): Promise<void> {
    await commitTasks(
      this.tasks,
      (store) => this.topology.changelogTopicOf(store),
      {
        sendChangelogs: async (records) => {
          for (const record of records) this.append(record)
        },
        sendOutputs: async () => {},
        commitOffsets: async (all) => {
          for (const { partition, offsets } of all) for (const [topic, offset] of offsets) this.committedOffsets.set(topicPartitionKey({ topic, partition }), offset)
        },
      },
      this.wallClockMs,
    )
    this.lastCommitMs = this.wallClockMs
    this.recordsSinceCommit = 0
  }

  /** Commits, closes processors and stores, and removes a temporary state directory. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.commit()
    for (const task of this.tasks) {
      await task.close()
      for (const store of task.stores.values()) await store.close()
    }
    await this.globalState?.close(true)
    if (this.ownsStateDir) await deleteTemporaryDirectory(this.stateDir)
  }

  /** @internal Used by TestInputTopic. */
  async pipe(topic: string, records: readonly RawTestRecord[]): Promise<void> {
    const batchSize = this.options.maxBatchSize ?? 1000
    for (let start = 0; start < records.length; start += batchSize) {
      const batch = records.slice(start, start + batchSize).map((record) =>
        this.incoming({ topic, key: record.key, value: record.value, timestamp: record.timestamp ?? this.wallClockMs, headers: record.headers ?? {} }),
      )
      await this.processBatch(topic, batch)
      await this.drainRouted()
      this.recordsSinceCommit += batch.length
      if (this.recordsSinceCommit >= (this.options.commitEveryRecords ?? 10_000) || this.tasks.some((task) => task.needsCommit())) await this.commit()
    }
  }

  private async start(): Promise<void> {
    const collector: RecordCollector = {
      send: (record) => {
        this.append(record)
        if (this.topology.subtopologyOf(record.topic) || this.topology.globalStoreOf(record.topic)) this.routed.push(record)
      },
      partitionsFor: () => 1,
    }
    const onFailure: FailureHandler | undefined = this.options.deadLetterTopic
      ? (error, raw) => {
          this.append(deadLetterRecord(this.options.deadLetterTopic as string, error, raw, this.options.deadLetterMaxBytes))
          return 'continue'
        }
      : undefined
    // Global stores first, as on Kafka: every task may read them from its first record on.
    const globalState = await GlobalStateStores.open(this.topology, { stateDir: this.stateDir, backend: this.options.backend ?? 'leveldb', cacheMaxBytes: this.options.storeCacheMaxBytes })
    this.globalState = globalState
    for (const subtopology of this.topology.subtopologies) {
      const taskId = new TaskId(subtopology.id, 0).format()
      const stores = new Map<string, ManagedStore>()
      if (subtopology.stores.length > 0) await createStateDirectories(this.stateDir, this.topology.applicationId, taskId)
      for (const spec of subtopology.stores) {
        const directory = join(this.stateDir, this.topology.applicationId, taskId, spec.name)
        const store = await openStore(spec, { directory, backend: this.options.backend ?? 'leveldb' }, {
          serdeTopic: this.topology.changelogTopicOf(spec.name),
          cacheMaxBytes: this.options.storeCacheMaxBytes,
        })
        this.opened.push(store)
        stores.set(spec.name, store)
        const changelog = this.topology.changelogTopicOf(spec.name)
        const restored = changelog === undefined ? undefined : this.options.restoreChangelogs?.[changelog]
        if (restored) await store.restore(restored.flatMap((record) => (record.key === null ? [] : [{ key: record.key, value: record.value }])))
      }
      const task = new StreamTask({
        applicationId: this.topology.applicationId,
        subtopology,
        partition: 0,
        stores,
        globalStores: globalState.stores,
        collector,
        clock: () => this.wallClockMs,
        // The mocked clock starts at 0: against it alone, every real event time would look far ahead.
        eventTimeClock: () => Math.max(Date.now(), this.wallClockMs),
        maxFutureTimestampSkewMs: this.options.maxFutureTimestampSkewMs,
        onFailure,
        updateCacheMaxEntries: this.options.updateCacheMaxEntries ?? 0,
        updateCacheMaxBytes: this.options.updateCacheMaxBytes,
      })
      await task.initialize()
      this.tasks.push(task)
    }
  }

  private async processBatch(topic: string, batch: IncomingRecord[]): Promise<void> {
    // A global store's topic updates its store at once, before the records piped after it (Kafka Streams' driver does the same).
    if (this.topology.globalStoreOf(topic)) {
      await this.globalState?.apply(topic, 0, batch.map((record) => ({ offset: BigInt(record.offset), key: record.key, value: record.value, headers: record.headers })))
      return
    }
    const subtopology = this.topology.subtopologyOf(topic)
    const task = this.tasks.find((candidate) => candidate.subtopology === subtopology)
    if (!task) throw new Error(`No task reads topic "${topic}"`)
    await task.process(batch)
  }

  /** Processes records written to topics the topology itself reads, until none are left. */
  private async drainRouted(): Promise<void> {
    while (this.routed.length > 0) {
      const records = this.routed.splice(0)
      let start = 0
      while (start < records.length) {
        const topic = records[start].topic
        let end = start
        while (end < records.length && records[end].topic === topic) end++
        await this.processBatch(topic, records.slice(start, end).map((record) => this.incoming(record)))
        start = end
      }
    }
  }

  private incoming(record: Omit<OutgoingRecord, 'partition'>): IncomingRecord {
    const offset = this.offsets.get(record.topic) ?? 0
    this.offsets.set(record.topic, offset + 1)
    return { topic: record.topic, partition: 0, offset: String(offset), key: record.key, value: record.value, timestamp: record.timestamp, headers: record.headers }
  }

  private append(record: OutgoingRecord): void {
    let all = this.topics.get(record.topic)
    if (!all) this.topics.set(record.topic, (all = []))
    all.push(record)
    this.readQueue(record.topic).push(record)
  }

  private readQueue(topic: string): OutgoingRecord[] {
    let queue = this.readQueues.get(topic)
    if (!queue) this.readQueues.set(topic, (queue = []))
    return queue
  }

  private findStore(name: string): ManagedStore {
    for (const task of this.tasks) {
      const store = task.stores.get(name)
      if (store) return store
    }
    const global = this.globalState?.stores.get(name)
    if (global) return global
    throw new Error(`The topology "${this.topology.applicationId}" has no store named "${name}"`)
  }
}
