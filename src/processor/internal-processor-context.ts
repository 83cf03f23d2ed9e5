import type { ProcessorContext } from './processor.js'
import type { TaskMetrics } from './task-metrics.js'

/** Internal view of the context for Sluice's own processors: also reaches the task's metrics. */
export interface InternalProcessorContext<KOut, VOut> extends ProcessorContext<KOut, VOut> {
  readonly metrics: TaskMetrics
  readonly updateCacheMaxEntries: number
  readonly updateCacheMaxBytes: number | undefined
  /** The latest event time accepted now: a processor that moves time checks records against it. */
  latestPlausibleTimestampMs(): number
}
