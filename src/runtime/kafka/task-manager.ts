import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Kafka } from 'kafkajs'
import type { ManagedStore } from '../../state/managed-store.js'
import { openStore } from '../../state/open-store.js'
import type { Topology } from '../../topology/topology.js'
import { StreamTask, type FailureHandler } from '../stream-task.js'
import type { RecordCollector } from '../wire-records.js'
import { restoreChangelogs, type RestoreTarget } from './changelog-restorer.js'
import { CheckpointFile } from './checkpoint-file.js'
import type { PartitionCounts } from './internal-topics.js'
import type { ResolvedStreamsConfig } from './streams-config.js'
import { taskIdOf } from './task-assignor.js'

interface ActiveTask {
  readonly task: StreamTask
  readonly directory: string
  readonly checkpoint: CheckpointFile
}

export interface TaskManagerDeps {
  kafka: Kafka
  topology: Topology
  config: ResolvedStreamsConfig
  partitionCounts: PartitionCounts
  collector: RecordCollector
  onFailure: FailureHandler | undefined
  /** Changelog end offsets (high watermarks) per partition of a topic. */
  endOffsets(topic: string): Promise<Map<number, bigint>>
}

/** Creates, restores and closes the tasks this instance is assigned. */
export class TaskManager {
  private readonly active = new Map<string, ActiveTask>()
  private assigned = new Set<string>()
  private reconciled = true
  /** Set by closeAll(): a late group join must not bring tasks back. */
  private closed = false

  constructor(private readonly deps: TaskManagerDeps) {}

  /** Called on every group join with the new assignment; acted upon by reconcile(). */
  assign(assignment: { [topic: string]: number[] }): void {
    const ids = new Set<string>()
    for (const [topic, partitions] of Object.entries(assignment)) {
      const subtopology = this.deps.topology.subtopologyOf(topic)
      if (subtopology) for (const partition of partitions) ids.add(taskIdOf(subtopology.id, partition))
    }
    this.assigned = ids
    this.reconciled = false
  }

  taskIds(): string[] {
    return [...this.active.keys()]
  }

  tasks(): StreamTask[] {
    return [...this.active.values()].map((entry) => entry.task)
  }

  get(taskId: string): StreamTask | undefined {
    return this.active.get(taskId)?.task
  }

  /**
   * Closes tasks no longer assigned (dirty: their uncommitted work will be redone by the new
   * owner) and creates the new ones, restoring their stores from the changelogs first.
   */
  async reconcile(): Promise<void> {
    if (this.reconciled || this.closed) return
    this.reconciled = true
    for (const [taskId, entry] of this.active) {
      if (this.assigned.has(taskId)) continue
      await this.closeTask(entry, false)
      this.active.delete(taskId)
      this.deps.config.log(`task ${taskId} revoked`)
    }
    const created: ActiveTask[] = []
    for (const taskId of [...this.assigned].sort()) {
      if (this.active.has(taskId)) continue
      created.push(await this.createTask(taskId))
    }
    if (created.length === 0) return
    await this.restore(created)
    for (const entry of created) {
      await entry.task.initialize()
      this.active.set(entry.task.taskId, entry)
    }
    this.deps.config.log(`running tasks: ${this.taskIds().join(', ') || 'none'}`)
  }

  /** Records, after a successful commit, that every store is complete up to its changelog end. */
  async checkpoint(changelogEnds: ReadonlyMap<string, bigint>): Promise<void> {
    for (const entry of this.active.values()) await entry.checkpoint.write(this.checkpointOffsets(entry, changelogEnds))
  }

  async closeAll(clean: boolean, changelogEnds?: ReadonlyMap<string, bigint>): Promise<void> {
    this.closed = true
    for (const entry of this.active.values()) {
      if (clean && changelogEnds) await entry.checkpoint.write(this.checkpointOffsets(entry, changelogEnds))
      await this.closeTask(entry, clean)
    }
    this.active.clear()
  }

  private checkpointOffsets(entry: ActiveTask, changelogEnds: ReadonlyMap<string, bigint>): Map<string, string> {
    const offsets = new Map<string, string>()
    for (const store of entry.task.stores.values()) {
      const topic = this.deps.topology.changelogTopicOf(store.name)
      const end = topic === undefined ? undefined : changelogEnds.get(`${topic}:${entry.task.partition}`)
      if (end !== undefined) offsets.set(store.name, end.toString())
    }
    return offsets
  }

  private async createTask(taskId: string): Promise<ActiveTask> {
    const [subtopologyId, partition] = taskId.split('_').map(Number)
    const subtopology = this.deps.topology.subtopologies[subtopologyId]
    const directory = join(this.deps.config.stateDir, this.deps.topology.applicationId, taskId)
    const stores = new Map<string, ManagedStore>()
    for (const spec of subtopology.stores) {
      const store = await openStore(spec, { directory: join(directory, spec.name), backend: this.deps.config.backend }, { serdeTopic: this.deps.topology.changelogTopicOf(spec.name) })
      stores.set(spec.name, store)
    }
    const task = new StreamTask({
      applicationId: this.deps.topology.applicationId,
      subtopology,
      partition,
      stores,
      collector: this.deps.collector,
      clock: Date.now,
      onFailure: this.deps.onFailure,
    })
    return { task, directory, checkpoint: new CheckpointFile(directory) }
  }

  private async restore(entries: readonly ActiveTask[]): Promise<void> {
    const targets: RestoreTarget[] = []
    for (const entry of entries) {
      const checkpoint = await entry.checkpoint.read()
      // The checkpoint is valid once: a crash from here on must restore again from the same point.
      await entry.checkpoint.remove()
      for (const store of entry.task.stores.values()) {
        const topic = this.deps.topology.changelogTopicOf(store.name)
        if (!topic) continue
        const end = (await this.deps.endOffsets(topic)).get(entry.task.partition) ?? 0n
        const from = BigInt(checkpoint.get(store.name) ?? '0')
        targets.push({
          topic,
          partition: entry.task.partition,
          from: from > end ? 0n : from,
          to: end,
          label: `${store.name} of task ${entry.task.taskId}`,
          apply: (records) => store.restore(records),
        })
      }
    }
    await restoreChangelogs(this.deps.kafka, this.deps.topology.applicationId, targets, {
      readCommitted: this.deps.config.processingGuarantee === 'exactly_once',
      log: this.deps.config.log,
      partitionCounts: this.deps.partitionCounts,
    })
  }

  private async closeTask(entry: ActiveTask, clean: boolean): Promise<void> {
    await entry.task.close()
    for (const store of entry.task.stores.values()) await store.close()
    if (!clean) await entry.checkpoint.remove()
  }

  /** Deletes the application's whole local state (reset). */
  static async wipeState(stateDir: string, applicationId: string): Promise<void> {
    await rm(join(stateDir, applicationId), { recursive: true, force: true })
  }
}
