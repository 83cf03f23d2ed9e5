import type { RecordPosition } from '../errors.js'
import type { Cancellable, PunctuationType, Punctuator } from '../processor/processor.js'
import type { Record } from '../processor/record.js'
import type { StateStore } from '../state/store.js'
import type { InternalProcessorContext } from '../processor/internal-processor-context.js'
import type { TaskMetrics } from '../processor/task-metrics.js'

/** The task services a node's context delegates to. */
export interface TaskServices {
  readonly applicationId: string
  readonly taskId: string
  readonly metrics: TaskMetrics
  /** How many aggregation updates a caching processor may hold until commit (0: none). */
  readonly updateCacheMaxEntries: number
  /** ... and how many bytes of them (undefined: the update cache's default). */
  readonly updateCacheMaxBytes: number | undefined
  dispatch(childName: string, record: Record<unknown, unknown>): void
  store(name: string): StateStore
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable
  streamTime(): number
  /** The latest event time accepted now (wall clock + maxFutureTimestampSkewMs; Infinity: no check). */
  latestPlausibleTimestampMs(): number
  systemTime(): number
  position(): RecordPosition | undefined
}

/** The context of one node in one task: knows the node's children and stores. */
export class ProcessorContextImpl<KOut, VOut> implements InternalProcessorContext<KOut, VOut> {
  constructor(
    private readonly task: TaskServices,
    private readonly nodeName: string,
    private readonly children: readonly string[],
    private readonly storeNames: readonly string[],
  ) {}

  get applicationId(): string {
    return this.task.applicationId
  }

  get taskId(): string {
    return this.task.taskId
  }

  get metrics(): TaskMetrics {
    return this.task.metrics
  }

  get updateCacheMaxEntries(): number {
    return this.task.updateCacheMaxEntries
  }

  get updateCacheMaxBytes(): number | undefined {
    return this.task.updateCacheMaxBytes
  }

  forward(record: Record<KOut, VOut>, childName?: string): void {
    if (childName === undefined) {
      for (const child of this.children) this.task.dispatch(child, record)
      return
    }
    if (!this.children.includes(childName)) {
      throw new Error(`Processor "${this.nodeName}" has no child named "${childName}" (children: ${this.children.join(', ') || 'none'})`)
    }
    this.task.dispatch(childName, record)
  }

  getStateStore<S extends StateStore>(name: string): S {
    if (!this.storeNames.includes(name)) {
      throw new Error(`Processor "${this.nodeName}" asked for the store "${name}", which is not attached to it (attached: ${this.storeNames.join(', ') || 'none'})`)
    }
    return this.task.store(name) as S
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    return this.task.schedule(intervalMs, type, punctuator)
  }

  currentStreamTimeMs(): number {
    return this.task.streamTime()
  }

  latestPlausibleTimestampMs(): number {
    return this.task.latestPlausibleTimestampMs()
  }

  currentSystemTimeMs(): number {
    return this.task.systemTime()
  }

  recordMetadata(): RecordPosition | undefined {
    return this.task.position()
  }
}
