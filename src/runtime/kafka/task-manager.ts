import './kafkajs/kafkajs-corrections.js' // corrects kafkajs before it loads
import { join } from 'node:path'
import type { Kafka, Producer } from 'sluice-kafkajs'
import { compareTaskIds, TaskId } from '../../base/task-id.js'
import { topicPartitionKey } from '../../base/topic-partition.js'
import type { Record } from '../../processor/record.js'
import type { ManagedStore } from '../../state/managed-store.js'
import { openStore } from '../../state/open-store.js'
import { deleteApplicationState, deleteStateDirectory } from '../../state/safe-delete.js'
import { createStateDirectories } from '../../state/state-directory.js'
import type { Topology } from '../../topology/topology.js'
import { StreamTask, type FailureHandler } from '../stream-task.js'
import { TaskMetrics } from '../../processor/task-metrics.js'
import { BackgroundSender } from './background-sender.js'
import { BufferedCollector } from './buffered-collector.js'
import { restoreChangelogs, type RestoreTarget } from './changelog-restorer.js'
import type { KafkaClient } from './client/kafka-client.js'
import { CheckpointFile } from '../../state/checkpoint-file.js'
import type { PartitionCounts } from './internal-topics.js'
import type { ResolvedStreamsConfig } from '../streams-config.js'
import { createTaskProducer } from './task-producer.js'
import { TaskTransaction } from './task-transaction.js'

/** A running task with what belongs to it alone. */
export interface ActiveTask {
  readonly task: StreamTask
  readonly directory: string
  readonly checkpoint: CheckpointFile
  /** Where the task's output records go: buffered until the commit (exactly-once) or on to the task's sender. */
  readonly collector: BufferedCollector
  /**
   * The task's transactional producer (transactional id `<applicationId>-<taskId>`), under
   * either guarantee: creating it fenced whoever held the task before.
   */
  readonly producer: Producer
  /** At-least-once: sends the task's outputs and changelog records in the background, in order, inside `transaction`. */
  readonly sender: BackgroundSender | undefined
  /** At-least-once: the task's records since its last commit, fenced by its producer (see TaskTransaction). */
  readonly transaction: TaskTransaction | undefined
  /** Changelog offset per store to restore from, read from the checkpoint at creation. */
  readonly restoreFrom: ReadonlyMap<string, string>
}

export interface TaskManagerDeps {
  /** kafkajs itself, for the tasks' transactional producers (not behind the client interface yet). */
  kafka: Kafka
  client: KafkaClient
  topology: Topology
  config: ResolvedStreamsConfig
  partitionCounts: PartitionCounts
  onFailure: (collector: BufferedCollector) => FailureHandler | undefined
  /** Changelog end offsets (high watermarks) per partition of a topic. */
  endOffsets(topic: string): Promise<Map<number, bigint>>
  /** At-least-once: runs before each request a task's sender makes, and stops its sending when it throws. */
  beforeRequest?: () => Promise<void>
  /** Restore progress: records restored by the last batch, and how many remain. */
  onRestoreProgress?: (restoredNow: number, remaining: number) => void
  /** Sees every record the tasks write to output topics (the console's latest outputs). */
  onOutput?: (topic: string, record: Record<unknown, unknown>) => void
  /** The instance's global stores, which every task's processors may read. */
  globalStores?: ReadonlyMap<string, ManagedStore>
}

/** A task whose stores are being rebuilt from their changelogs, in changelog offsets. */
export interface RestoringTask {
  readonly taskId: string
  readonly partition: number
  readonly totalOffsets: number
  readonly remainingOffsets: number
}

/** Creates, restores and closes the tasks this instance is assigned. */
export class TaskManager {
  private readonly active = new Map<string, ActiveTask>()
  /** Offsets left to restore per store partition, by task, while a restore runs. */
  private readonly restoring = new Map<string, { readonly partition: number; readonly total: bigint; readonly left: Map<RestoreTarget, bigint> }>()
  private assigned = new Set<string>()
  private reconciled = true
  /** Set by closeAll(): a late group join must not bring tasks back. */
  private closed = false
  /** The counters of every task closed so far, so that totals never go back when tasks move. */
  readonly closedTaskMetrics = new TaskMetrics()

  constructor(private readonly deps: TaskManagerDeps) {}

  private get exactlyOnce(): boolean {
    return this.deps.config.processingGuarantee === 'exactly_once'
  }

  /** Called on every group join with the new assignment; acted upon by reconcile(). */
  assign(assignment: { [topic: string]: number[] }): void {
    const ids = new Set<string>()
    for (const [topic, partitions] of Object.entries(assignment)) {
      const subtopology = this.deps.topology.subtopologyOf(topic)
      if (subtopology) for (const partition of partitions) ids.add(new TaskId(subtopology.id, partition).format())
    }
    this.assigned = ids
    this.reconciled = false
  }

  taskIds(): string[] {
    return [...this.active.keys()]
  }

  entries(): ActiveTask[] {
    return [...this.active.values()]
  }

  tasks(): StreamTask[] {
    return this.entries().map((entry) => entry.task)
  }

  get(taskId: string): ActiveTask | undefined {
    return this.active.get(taskId)
  }

  /** Tasks created by the current reconcile whose stores are still being restored. */
  restoringTasks(): RestoringTask[] {
    return [...this.restoring].map(([taskId, { partition, total, left }]) => {
      let remaining = 0n
      for (const offsets of left.values()) remaining += offsets
      return { taskId, partition, totalOffsets: Number(total), remainingOffsets: Number(remaining) }
    })
  }

  /**
   * Closes tasks no longer assigned (dirty: their uncommitted work will be redone by the new
   * owner) and creates the new ones, restoring their stores from the changelogs first.
   */
  async reconcile(keepAlive?: () => Promise<void>): Promise<ActiveTask[]> {
    if (this.reconciled || this.closed) return []
    this.reconciled = true
    for (const [taskId, entry] of this.active) {
      if (this.assigned.has(taskId)) continue
      await this.closeTask(entry, false)
      this.active.delete(taskId)
      this.deps.config.log(`task ${taskId} revoked`)
    }
    const created: ActiveTask[] = []
    try {
      for (const taskId of [...this.assigned].sort(compareTaskIds)) {
        if (!this.active.has(taskId)) created.push(await this.createTask(taskId))
      }
      await this.restore(created, keepAlive)
      for (const entry of created) await entry.task.initialize()
    } catch (error) {
      for (const entry of created) await this.closeTask(entry, false).catch(() => undefined)
      throw error
    }
    for (const entry of created) this.active.set(entry.task.taskId, entry)
    if (created.length > 0) this.deps.config.log(`running tasks: ${this.taskIds().join(', ') || 'none'}`)
    return created
  }

  /** At-least-once: after a commit, every store is complete up to its changelog end. */
  async checkpoint(changelogEnds: ReadonlyMap<string, bigint>): Promise<void> {
    for (const entry of this.active.values()) await entry.checkpoint.write(this.checkpointOffsets(entry, changelogEnds))
  }

  /**
   * Closes every task. Clean (after a successful commit) writes checkpoints; dirty ones leave
   * none, so the next owner restores (and under exactly-once wipes) the stores. `final` keeps
   * a late group join from bringing tasks back.
   */
  async closeAll(clean: boolean, changelogEnds?: ReadonlyMap<string, bigint>, final = true): Promise<void> {
    this.closed = final
    for (const entry of this.active.values()) {
      if (clean && changelogEnds) await entry.checkpoint.write(this.checkpointOffsets(entry, changelogEnds))
      await this.closeTask(entry, clean)
    }
    this.active.clear()
    this.reconciled = false
  }

  /**
   * At-least-once, on a rebalance: drops what every task did since the last commit (cache,
   * outputs, positions). The consumer restarts from the committed offsets, and each store is
   * exactly as of the last commit, which its checkpoint records, so it is kept.
   */
  async discardUncommitted(): Promise<void> {
    for (const entry of this.active.values()) {
      this.closedTaskMetrics.add(entry.task.metrics, false)
      await entry.task.close().catch(() => undefined)
      for (const store of entry.task.stores.values()) await store.close()
      await this.releaseProducer(entry)
    }
    this.active.clear()
    this.reconciled = false
  }

  private checkpointOffsets(entry: ActiveTask, changelogEnds: ReadonlyMap<string, bigint>): Map<string, string> {
    const offsets = new Map<string, string>()
    for (const store of entry.task.stores.values()) {
      const topic = this.deps.topology.changelogTopicOf(store.name)
      const end = topic === undefined ? undefined : changelogEnds.get(topicPartitionKey({ topic, partition: entry.task.partition }))
      if (end !== undefined) offsets.set(store.name, end.toString())
    }
    return offsets
  }

  private async createTask(taskId: string): Promise<ActiveTask> {
    const { subtopology: subtopologyId, partition } = TaskId.parse(taskId)
    const subtopology = this.deps.topology.subtopologies[subtopologyId]
    const directory = join(this.deps.config.stateDir, this.deps.topology.applicationId, taskId)
    await createStateDirectories(this.deps.config.stateDir, this.deps.topology.applicationId, taskId) // marked: deletes below check it
    const checkpoint = new CheckpointFile(directory)
    const restoreFrom = await checkpoint.read()
    // A checkpoint is valid once: from here on a crash must restore from the same point again.
    await checkpoint.remove()
    // Without a checkpoint (no clean close) the local stores may hold writes that never reached
    // their changelogs (flushed, then a crash before the changelog records or, under
    // exactly-once, the transaction were through). Replaying the changelog from its start
    // would not undo a key it never saw, so they are wiped first; the replay happens anyway.
    // Under at-least-once a store without a changelog keeps its files: they are its only copy.
    if (restoreFrom.size === 0) {
      if (this.exactlyOnce && subtopology.stores.length > 0) {
        await deleteStateDirectory(this.deps.config.stateDir, directory)
        await createStateDirectories(this.deps.config.stateDir, this.deps.topology.applicationId, taskId)
      }
      for (const spec of this.exactlyOnce ? [] : subtopology.stores) {
        if (this.deps.topology.changelogTopicOf(spec.name) !== undefined) await deleteStateDirectory(this.deps.config.stateDir, join(directory, spec.name))
      }
    }
    const producer = await createTaskProducer(this.deps.kafka, `${this.deps.topology.applicationId}-${taskId}`, this.deps.config.commitIntervalMs)
    const stores = new Map<string, ManagedStore>()
    try {
      for (const spec of subtopology.stores) {
        const store = await openStore(spec, { directory: join(directory, spec.name), backend: this.deps.config.backend }, {
          serdeTopic: this.deps.topology.changelogTopicOf(spec.name),
          cacheMaxBytes: this.deps.config.storeCacheMaxBytes,
        })
        stores.set(spec.name, store)
      }
    } catch (error) {
      for (const store of stores.values()) await store.close().catch(() => undefined)
      await producer.disconnect().catch(() => undefined)
      throw error
    }
    // At-least-once: the task's records leave in the background, in its fenced transaction.
    const transaction = this.exactlyOnce ? undefined : new TaskTransaction(producer)
    const sender =
      transaction &&
      new BackgroundSender(transaction, {
        partitionsOf: (topic) => this.deps.partitionCounts.get(topic),
        beforeRequest: this.deps.beforeRequest,
      })
    const collector = new BufferedCollector(() => this.deps.partitionCounts, sender && ((record) => sender.send(record)))
    const task = new StreamTask({
      applicationId: this.deps.topology.applicationId,
      subtopology,
      partition,
      stores,
      globalStores: this.deps.globalStores,
      collector,
      clock: Date.now,
      onFailure: this.deps.onFailure(collector),
      updateCacheMaxEntries: this.deps.config.updateCacheMaxEntries,
      updateCacheMaxBytes: this.deps.config.updateCacheMaxBytes,
      maxFutureTimestampSkewMs: this.deps.config.maxFutureTimestampSkewMs,
      onOutput: this.deps.onOutput,
    })
    return { task, directory, checkpoint, collector, producer, sender, transaction, restoreFrom }
  }

  /** Lets a request in flight finish, abandons what was not sent, ends the open transaction and disconnects. */
  private async releaseProducer(entry: ActiveTask): Promise<void> {
    entry.sender?.reset()
    await entry.sender?.settled()
    await entry.transaction?.abort()
    await entry.producer.disconnect()
  }

  private async restore(entries: readonly ActiveTask[], keepAlive: (() => Promise<void>) | undefined): Promise<void> {
    const targets: RestoreTarget[] = []
    const taskOf = new Map<RestoreTarget, string>()
    for (const entry of entries) {
      for (const store of entry.task.stores.values()) {
        const topic = this.deps.topology.changelogTopicOf(store.name)
        if (!topic) continue
        const end = (await this.deps.endOffsets(topic)).get(entry.task.partition) ?? 0n
        const from = BigInt(entry.restoreFrom.get(store.name) ?? '0')
        const target: RestoreTarget = {
          topic,
          partition: entry.task.partition,
          from: from > end ? 0n : from,
          to: end,
          label: `${store.name} of task ${entry.task.taskId}`,
          apply: (records) => store.restore(records),
        }
        targets.push(target)
        taskOf.set(target, entry.task.taskId)
      }
    }
    for (const target of targets) {
      if (target.to <= target.from) continue
      const taskId = taskOf.get(target)
      if (taskId === undefined) continue
      const task = this.restoring.get(taskId) ?? { partition: target.partition, total: 0n, left: new Map<RestoreTarget, bigint>() }
      task.left.set(target, target.to - target.from)
      this.restoring.set(taskId, { ...task, total: task.total + (target.to - target.from) })
    }
    try {
      await restoreChangelogs(this.deps.client, this.deps.topology.applicationId, targets, {
        readCommitted: this.exactlyOnce,
        log: this.deps.config.log,
        partitionCounts: this.deps.partitionCounts,
        keepAlive,
        progress: this.deps.onRestoreProgress,
        targetProgress: (target, remainingOffsets) => this.restoring.get(taskOf.get(target) ?? '')?.left.set(target, remainingOffsets),
      })
    } finally {
      this.restoring.clear()
    }
  }

  private async closeTask(entry: ActiveTask, clean: boolean): Promise<void> {
    this.closedTaskMetrics.add(entry.task.metrics, false)
    await entry.task.close().catch(() => undefined)
    for (const store of entry.task.stores.values()) await store.close()
    if (!clean) await entry.checkpoint.remove()
    await this.releaseProducer(entry)
  }

  /** Deletes the application's whole local state (reset). */
  static async wipeState(stateDir: string, applicationId: string): Promise<void> {
    await deleteApplicationState(stateDir, applicationId)
  }
}
