import type { StreamTask } from './stream-task.js'
import type { OutgoingRecord } from './wire-records.js'

/** The consumed position of one task: next offset per source topic of its partition. */
export interface TaskOffsets {
  readonly taskId: string
  readonly partition: number
  readonly offsets: ReadonlyMap<string, string>
}

/**
 * What a commit does, step by step, for the runtime at hand. The order is the point: a crash
 * between any two steps loses nothing, because consumed offsets are committed last, after
 * every store change and output they led to was sent (under exactly-once all steps are one
 * transaction).
 */
export interface CommitSteps {
  /** Step 2: store changes, to their changelog partitions. */
  sendChangelogs(records: readonly OutgoingRecord[]): Promise<void>
  /**
   * Step 3: output records produced since the last commit. A runtime may have sent some of them
   * already (at-least-once sends them in the background, in order); when this resolves, every
   * output and changelog record given so far is acknowledged.
   */
  sendOutputs(): Promise<void>
  /** Step 4: the consumed offsets. */
  commitOffsets(offsets: readonly TaskOffsets[]): Promise<void>
}

export interface CommitResult {
  readonly changelogRecords: number
}

/**
 * Commits tasks: (1) forward the updates caching processors hold, flush store caches,
 * (2) changelogs, (3) outputs, (4) offsets.
 */
export async function commitTasks(
  tasks: readonly StreamTask[],
  changelogTopicOf: (storeName: string) => string | undefined,
  steps: CommitSteps,
  nowMs: number,
): Promise<CommitResult> {
  const changelog: OutgoingRecord[] = []
  for (const task of tasks) {
    await task.forwardCachedUpdates()
    for (const store of task.stores.values()) {
      const changes = await store.flush()
      const topic = changelogTopicOf(store.name)
      if (!topic) continue
      for (const change of changes) changelog.push({ topic, partition: task.partition, key: change.key, value: change.value, timestamp: nowMs, headers: {} })
    }
  }
  await steps.sendChangelogs(changelog)
  await steps.sendOutputs()
  await steps.commitOffsets(tasks.map((task) => ({ taskId: task.taskId, partition: task.partition, offsets: new Map(task.committableOffsets()) })))
  return { changelogRecords: changelog.length }
}
