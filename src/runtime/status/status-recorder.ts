import { hostname } from 'node:os'
import { topicPartitionKey } from '../../base/topic-partition.js'
import { TaskId } from '../../base/task-id.js'
import type { TaskMetrics } from '../../processor/task-metrics.js'
import type { Record } from '../../processor/record.js'
import type { StreamTask } from '../stream-task.js'
import type { ProcessingGuarantee } from '../streams-config.js'
import type { StreamsState } from '../streams-state.js'
import type { ApplicationStatus, DeadLetterEntry, OutputEntry, TaskStatus } from './application-status.js'
import { RecentEntries } from './recent-entries.js'

/** How many dead letters, and output records per topic, a status keeps. */
const RECENT_DEAD_LETTERS = 50
const RECENT_OUTPUTS_PER_TOPIC = 50
/** Keys and values of dead letters are shown cut to this many characters. */
const PREVIEW_CHARS = 512

/** What the runtime knows at the moment a status is asked for. */
export interface StatusMoment {
  readonly state: StreamsState
  readonly rebalancing: boolean
  readonly running: readonly StreamTask[]
  readonly restoring: readonly { readonly taskId: string; readonly partition: number; readonly totalOffsets: number; readonly remainingOffsets: number }[]
  /** Counters of the running tasks and of those closed since the start. */
  readonly totals: TaskMetrics
}

/**
 * Keeps what a status reports beyond the tasks' own counters: lag per partition, committed
 * positions, commit times, rebalances, the latest dead letters and output records. The runtime
 * tells it as things happen; status() puts it together with the tasks of the moment.
 */
export class StatusRecorder {
  private readonly startedAtMs = Date.now()
  private readonly lags = new Map<string, number>()
  private readonly committed = new Map<string, string>()
  private commits = 0
  private commitSeconds = 0
  private rebalances = 0
  private deadLetterCount = 0
  private readonly deadLetters = new RecentEntries<DeadLetterEntry>(RECENT_DEAD_LETTERS)
  private readonly outputs = new Map<string, RecentEntries<OutputEntry>>()

  constructor(
    private readonly applicationId: string,
    private readonly guarantee: ProcessingGuarantee,
    private readonly clientId: string,
  ) {}

  lag(topic: string, partition: number, lag: number): void {
    this.lags.set(topicPartitionKey({ topic, partition }), lag)
  }

  /** After a join: the partitions read before may belong to others now. */
  forgetLag(): void {
    this.lags.clear()
  }

  committedOffsets(offsets: readonly { topic: string; partition: number; offset: string }[]): void {
    for (const { topic, partition, offset } of offsets) this.committed.set(topicPartitionKey({ topic, partition }), offset)
  }

  commitTook(seconds: number): void {
    this.commits++
    this.commitSeconds += seconds
  }

  rebalanced(): void {
    this.rebalances++
  }

  deadLettered(error: Error, raw: { topic: string; partition: number; offset: string; key: Buffer | null; value: Buffer | null }, headers: { readonly [name: string]: unknown }): void {
    this.deadLetterCount++
    const sluiceHeaders: { [name: string]: string } = {}
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith('sluice.') && value !== undefined) sluiceHeaders[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value)
    }
    this.deadLetters.add({ atMs: Date.now(), topic: raw.topic, partition: raw.partition, offset: raw.offset, error: error.message, headers: sluiceHeaders, key: preview(raw.key), value: preview(raw.value) })
  }

  output(topic: string, record: Record<unknown, unknown>): void {
    let recent = this.outputs.get(topic)
    if (!recent) this.outputs.set(topic, (recent = new RecentEntries<OutputEntry>(RECENT_OUTPUTS_PER_TOPIC)))
    recent.add({ topic, key: record.key, value: record.value, timestamp: record.timestamp })
  }

  recentDeadLetters(): readonly DeadLetterEntry[] {
    return this.deadLetters.list()
  }

  /** The latest records per output topic, oldest first. */
  recentOutputs(): { readonly [topic: string]: readonly OutputEntry[] } {
    return Object.fromEntries([...this.outputs].map(([topic, recent]) => [topic, recent.list()]))
  }

  status(moment: StatusMoment): ApplicationStatus {
    const suspended = moment.rebalancing
    const partitionsOf = (task: { partition: number }, topics: readonly string[]) =>
      topics.map((topic) => {
        const key = topicPartitionKey({ topic, partition: task.partition })
        return { topic, partition: task.partition, committedOffset: this.committed.get(key), lag: this.lags.get(key) }
      })
    const tasks: TaskStatus[] = moment.running.map((task) => ({
      taskId: task.taskId,
      subtopology: task.subtopology.id,
      partition: task.partition,
      state: suspended ? 'SUSPENDED' : 'RUNNING',
      restore: undefined,
      partitions: partitionsOf(task, task.subtopology.sourceTopics),
      recordsProcessed: task.metrics.recordsProcessed,
      streamTimeMs: task.streamTime(),
    }))
    for (const restoring of moment.restoring) {
      const { subtopology } = TaskId.parse(restoring.taskId)
      tasks.push({
        taskId: restoring.taskId,
        subtopology,
        partition: restoring.partition,
        state: 'RESTORING',
        restore: { restoredOffsets: restoring.totalOffsets - restoring.remainingOffsets, totalOffsets: restoring.totalOffsets },
        partitions: [],
        recordsProcessed: 0,
        streamTimeMs: -1,
      })
    }
    const nodeRecords: { [node: string]: number } = {}
    for (const task of moment.running) for (const [node, count] of task.recordsPerNode()) nodeRecords[node] = (nodeRecords[node] ?? 0) + count
    let lag = 0
    for (const value of this.lags.values()) lag += value
    const totals = moment.totals
    return {
      applicationId: this.applicationId,
      state: moment.state,
      guarantee: this.guarantee,
      rebalancing: moment.rebalancing,
      instance: { clientId: this.clientId, host: hostname(), pid: process.pid },
      startedAtMs: this.startedAtMs,
      nowMs: Date.now(),
      tasks: tasks.sort((a, b) => a.subtopology - b.subtopology || a.partition - b.partition),
      nodeRecords,
      totals: {
        recordsProcessed: totals.recordsProcessed,
        recordsProduced: totals.recordsProduced,
        lateRecordsDropped: totals.lateRecordsDropped,
        recordsSkipped: totals.recordsSkipped,
        deadLetters: this.deadLetterCount,
        duplicatesDropped: totals.duplicatesDropped,
        commits: this.commits,
        commitSeconds: this.commitSeconds,
        rebalances: this.rebalances,
        lag,
      },
    }
  }
}

function preview(bytes: Buffer | null): string | undefined {
  if (bytes === null) return undefined
  const text = bytes.subarray(0, PREVIEW_CHARS * 4).toString('utf8')
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text
}
