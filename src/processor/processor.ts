import type { RecordPosition } from '../errors.js'
import type { StateStore } from '../state/store.js'
import type { Record } from './record.js'

/** Stream time advances with record timestamps; wall-clock time with the system clock. */
export type PunctuationType = 'stream-time' | 'wall-clock'

export type Punctuator = (timestamp: number) => void | Promise<void>

/** Returned by schedule(); cancel() stops further calls. */
export interface Cancellable {
  cancel(): void
}

/** What a processor sees of the task running it. */
export interface ProcessorContext<KOut = unknown, VOut = unknown> {
  readonly applicationId: string
  /** `<subtopology>_<partition>`, e.g. "0_3". */
  readonly taskId: string
  /** Sends a record to every child, or only to the named child. */
  forward(record: Record<KOut, VOut>, childName?: string): void
  getStateStore<S extends StateStore>(name: string): S
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable
  /** The largest record timestamp this task has seen; -1 before the first record. */
  currentStreamTimeMs(): number
  currentSystemTimeMs(): number
  /** Topic, partition and offset of the input record being processed (undefined inside a punctuator). */
  recordMetadata(): RecordPosition | undefined
}

/**
 * A node of the topology that handles records. `process` may return a promise (for example to
 * scan a store); the task then waits for it before the next record, so prefer synchronous work.
 */
export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void | Promise<void>
  process(record: Record<KIn, VIn>): void | Promise<void>
  close?(): void | Promise<void>
}

export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>
