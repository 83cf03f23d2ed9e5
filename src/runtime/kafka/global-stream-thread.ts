import { messageOf } from '../../errors.js'
import { parseTopicPartitionKey, topicPartitionKey, type TopicPartition } from '../../base/topic-partition.js'
import type { ManagedStore } from '../../state/managed-store.js'
import type { Topology } from '../../topology/topology.js'
import { GlobalStateStores } from '../global-state-stores.js'
import type { ResolvedStreamsConfig } from '../streams-config.js'
import type { KafkaClient } from './client/kafka-client.js'
import type { PartitionFollower, PartitionStart, ReadRecord } from './client/partition-reader.js'
import { needsAPerson } from './fault-classification.js'

export interface GlobalStreamThreadDeps {
  client: KafkaClient
  topology: Topology
  config: ResolvedStreamsConfig
  partitionCounts: ReadonlyMap<string, number>
  endOffsets(topic: string): Promise<Map<number, bigint>>
  /** Runs a section where no task processes (the application's task lock): applied batches land between task batches. */
  exclusive(section: () => Promise<void>): Promise<void>
  /** Restore progress: records applied by the last batch, and how many remain (bootstrap only). */
  onRestoreProgress?: (restoredNow: number, remaining: number) => void
  /** The global reader failed in a way that needs a person (a record it cannot decode). */
  onFatal(error: Error): void
}

const PROGRESS_EVERY_MS = 2000
const RESTART_PAUSE_MS = 1000

/**
 * Keeps the instance's global stores (Kafka Streams' GlobalStreamThread): start() reads every
 * partition of their topics from the checkpoint (from nothing on a fresh or wiped state
 * directory) to the end offsets as of start, before any task exists; then a reader without
 * group membership follows the topics, and each fetched batch is applied between task
 * batches. Read committed under exactly-once. A reader that fails (a broker restart) starts
 * again where the stores are; one that meets a record it cannot decode stops the application.
 */
export class GlobalStreamThread {
  private state: GlobalStateStores | undefined
  private follower: PartitionFollower | undefined
  private closed = false
  private lastCheckpointMs = Date.now()
  private following: Promise<void> | undefined
  private bootstrapped = false

  constructor(private readonly deps: GlobalStreamThreadDeps) {}

  /** The global stores (empty until start() opened them). */
  get stores(): ReadonlyMap<string, ManagedStore> {
    return this.state?.stores ?? new Map()
  }

  /** Bootstraps every global store to the topics' current ends, then goes on following them. */
  async start(): Promise<void> {
    const { topology, config } = this.deps
    if (topology.globalStores.length === 0) return
    const ends = new Map<string, bigint>()
    for (const global of topology.globalStores) {
      for (const [partition, end] of await this.deps.endOffsets(global.topic)) ends.set(topicPartitionKey({ topic: global.topic, partition }), end)
    }
    const state = await GlobalStateStores.open(topology, { stateDir: config.stateDir, backend: config.backend, cacheMaxBytes: config.storeCacheMaxBytes, endOffsets: ends })
    this.state = state
    const behind = (): bigint => {
      let sum = 0n
      for (const [key, end] of ends) {
        const { topic, partition } = parseTopicPartitionKey(key)
        const left = end - state.position(topic, partition)
        if (left > 0n) sum += left
      }
      return sum
    }
    const total = behind()
    const names = topology.globalStores.map((global) => global.spec.name).join(', ')
    config.log(`restoring global store(s) ${names}: ${total} offsets to read`)
    this.deps.onRestoreProgress?.(0, Number(total))
    let finish: () => void = () => {}
    const caughtUp = new Promise<void>((resolve) => (finish = resolve))
    let lastReport = Date.now()
    let bootstrapping = true
    const onPosition = (): void => {
      if (!bootstrapping) return
      const left = behind()
      if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
        lastReport = Date.now()
        config.log(`restoring global store(s): ${total - left}/${total} offsets (${total > 0n ? Number((100n * (total - left)) / total) : 100}%)`)
      }
      if (left === 0n) finish()
    }
    if (total === 0n) finish()
    this.following = this.follow(onPosition, (restored) => {
      if (bootstrapping) this.deps.onRestoreProgress?.(restored, Number(behind()))
    })
    // A failure during the bootstrap fails the start (the application retries or stops).
    await Promise.race([caughtUp, this.following])
    bootstrapping = false
    this.bootstrapped = true
    this.deps.onRestoreProgress?.(0, 0)
    await state.checkpoint()
    this.lastCheckpointMs = Date.now()
    config.log(`restored global store(s) ${names}`)
  }

  /** Stops following and closes the stores, checkpointing them when `clean`. */
  async close(clean: boolean): Promise<void> {
    this.closed = true
    await this.follower?.stop()
    await this.following?.catch(() => undefined)
    await this.state?.close(clean)
  }

  /**
   * Follows every partition from where the stores are, restarting after a failure that a
   * broker coming back can cure; resolves when closed, rejects during the bootstrap or on a
   * failure that needs a person.
   */
  private async follow(onPosition: () => void, onApplied: (records: number) => void): Promise<void> {
    const state = this.state as GlobalStateStores
    const { topology, config } = this.deps
    for (;;) {
      const starts: PartitionStart[] = topology.globalStores.flatMap((global) =>
        [...Array(this.deps.partitionCounts.get(global.topic) ?? 0).keys()].map((partition) => ({ topic: global.topic, partition, from: state.position(global.topic, partition) })),
      )
      const reader = this.deps.client.partitionReader({ readCommitted: config.processingGuarantee === 'exactly_once', partitionCounts: this.deps.partitionCounts, purpose: `${topology.applicationId}-global` })
      this.follower = reader.follow(starts, {
        onRecords: (partition, records) => this.apply(partition, records, onApplied),
        onPosition: (partition, nextOffset) => {
          state.advance(partition.topic, partition.partition, nextOffset)
          onPosition()
        },
      })
      if (this.closed) await this.follower.stop()
      try {
        await this.follower.ended
        return
      } catch (error) {
        if (this.closed) return
        const reason = needsAPerson(error)
        const failure = new Error(`the global store reader failed: ${messageOf(error)}${reason ? ` (${reason})` : ''}`, { cause: error })
        // During the bootstrap the start fails (and is retried or stops the application).
        if (!this.bootstrapped) throw failure
        if (reason !== undefined) {
          this.deps.onFatal(failure)
          return
        }
        config.log(`${failure.message}; starting it again`)
        await new Promise((resolve) => setTimeout(resolve, RESTART_PAUSE_MS))
        if (this.closed) return
      }
    }
  }

  private async apply(partition: TopicPartition, records: readonly ReadRecord[], onApplied: (records: number) => void): Promise<void> {
    const state = this.state as GlobalStateStores
    if (records.length === 0 || this.closed) return
    await this.deps.exclusive(() => state.apply(partition.topic, partition.partition, records))
    onApplied(records.length)
    if (Date.now() - this.lastCheckpointMs >= this.deps.config.commitIntervalMs) {
      this.lastCheckpointMs = Date.now()
      await state.checkpoint()
    }
  }
}
