import type { ProcessingGuarantee } from '../streams-config.js'
import type { StreamsState } from '../streams-state.js'

/** A task as Kafka Streams names its states: restoring its stores, running, or suspended by a rebalance. */
export type TaskState = 'RESTORING' | 'RUNNING' | 'SUSPENDED'

/** One input partition of a task: the next offset this instance committed, and how far behind it is. */
export interface PartitionStatus {
  readonly topic: string
  readonly partition: number
  /** The next offset to process as last committed by this instance (undefined: none yet). */
  readonly committedOffset: string | undefined
  /** Records between the last one processed and the partition's end, as of the last fetch. */
  readonly lag: number | undefined
}

export interface TaskStatus {
  readonly taskId: string
  readonly subtopology: number
  readonly partition: number
  readonly state: TaskState
  /** While RESTORING: changelog offsets restored and to restore, over the task's stores. */
  readonly restore: { readonly restoredOffsets: number; readonly totalOffsets: number } | undefined
  readonly partitions: readonly PartitionStatus[]
  readonly recordsProcessed: number
  /** The task's stream time (-1 before its first record). */
  readonly streamTimeMs: number
}

/** Counters over the application's life on this instance (closed tasks included). */
export interface StatusTotals {
  readonly recordsProcessed: number
  readonly recordsProduced: number
  readonly lateRecordsDropped: number
  readonly recordsSkipped: number
  readonly deadLetters: number
  readonly duplicatesDropped: number
  readonly commits: number
  readonly commitSeconds: number
  readonly rebalances: number
  /** Records behind over every partition this instance reads. */
  readonly lag: number
}

/** A record this instance sent to the dead-letter topic, as the console lists it. */
export interface DeadLetterEntry {
  readonly atMs: number
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly error: string
  /** The dead letter's `sluice.*` headers (reason, source position, ...). */
  readonly headers: { readonly [name: string]: string }
  /** The key and value as UTF-8 text, cut to a preview; undefined for a null one. */
  readonly key: string | undefined
  readonly value: string | undefined
}

/** A record a sink wrote to an output topic, before serialization (no clock read per record: its timestamp says when). */
export interface OutputEntry {
  readonly topic: string
  readonly key: unknown
  readonly value: unknown
  readonly timestamp: number
}

/** What a running application reports of itself: the console's and `status()`'s view. */
export interface ApplicationStatus {
  readonly applicationId: string
  readonly state: StreamsState
  readonly guarantee: ProcessingGuarantee
  /** A rebalance or a rejoin is under way: the tasks are SUSPENDED meanwhile. */
  readonly rebalancing: boolean
  /** This instance: its Kafka client id, host name and process id. */
  readonly instance: { readonly clientId: string; readonly host: string; readonly pid: number }
  readonly startedAtMs: number
  readonly nowMs: number
  readonly tasks: readonly TaskStatus[]
  /** Records each node was handed, summed over this instance's running tasks. */
  readonly nodeRecords: { readonly [node: string]: number }
  readonly totals: StatusTotals
}
