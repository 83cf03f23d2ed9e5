import type { InternalProcessorContext } from '../../processor/internal-processor-context.js'
import type { PrefetchingProcessor } from '../../processor/processor-capabilities.js'
import type { Processor, ProcessorSupplier } from '../../processor/processor.js'
import type { Record } from '../../processor/record.js'
import type { WindowStore } from '../../state/store.js'

type PrefetchingWindowStore<K, V> = WindowStore<K, V> & { prefetch(entries: readonly { key: K; windowStart: number }[]): Promise<void> }

/** The id a record is deduplicated by; undefined or null: the record has none and passes. */
export type IdExtractor<K, V> = (key: K, value: V) => string | undefined | null

/**
 * Drops a record whose id it has seen with the same timestamp (a source re-sending a change
 * after a restart sends the same record again, timestamp included). The ids live in a window
 * store keyed by id with the record's timestamp as window start, so that the store's retention
 * bounds how long an id is remembered: a copy arriving more than the retention behind stream
 * time is no longer recognized and passes.
 */
export function deduplicateProcessor<K, V>(storeName: string, idOf: IdExtractor<K, V>): ProcessorSupplier<K, V, K, V> {
  return () => {
    let context: InternalProcessorContext<K, V>
    let store: PrefetchingWindowStore<string, number>
    const idsOf = (records: readonly Record<unknown, unknown>[]): { key: string; windowStart: number }[] =>
      records.flatMap((record) => {
        if (record.value === null || record.value === undefined) return []
        const id = idOf(record.key as K, record.value as V)
        return id === undefined || id === null ? [] : [{ key: id, windowStart: record.timestamp }]
      })
    const processor: Processor<K, V, K, V> & PrefetchingProcessor = {
      init: (ctx) => {
        context = ctx as InternalProcessorContext<K, V>
        store = ctx.getStateStore<PrefetchingWindowStore<string, number>>(storeName)
      },
      prefetch: (records) => store.prefetch(idsOf(records)),
      process: (record) => {
        // A tombstone carries no row to tell apart: it passes, as a record without an id does.
        const [entry] = idsOf([record])
        if (entry !== undefined) {
          if (store.fetch(entry.key, entry.windowStart) !== undefined) {
            context.metrics.duplicatesDropped++
            return
          }
          store.put(entry.key, 1, entry.windowStart)
        }
        context.forward(record)
      },
    }
    return processor
  }
}
