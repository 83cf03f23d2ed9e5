import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { PrefetchingProcessor } from '../../processor/processor-capabilities.js'
import type { Record } from '../../processor/record.js'
import type { StateStore } from '../../state/store.js'
import type { Aggregator } from './key-value-aggregate.js'
import type { LateRecordHandler } from './window-aggregate.js'

/** A record's value on its way from one of a cogroup's inputs to the aggregate processor they share. */
export interface CogroupedValue {
  /** Which input it came through: the index of that input's aggregator. */
  readonly input: number
  readonly value: unknown
}

/** Loads what a batch of records will touch in a store (the aggregation's own prefetch). */
export type StorePrefetch = (store: StateStore, records: readonly Record<unknown, unknown>[]) => Promise<void>

/**
 * One input of a cogroup: tags each record with its input's index and forwards it to the one
 * aggregate processor every input feeds. That processor owns the store and the update cache, so
 * a key updated through several inputs between commits is forwarded once, with its latest
 * aggregate (one cache per input could forward an older aggregate last). Fed by a source, the
 * input loads the store entries of its batch, as the aggregate processor would if it were fed
 * by the source itself.
 */
export function cogroupInputProcessor<K>(input: number, storeName: string, prefetch: StorePrefetch | undefined): ProcessorSupplier<K, unknown, K, CogroupedValue> {
  return () => {
    let context: ProcessorContext<K, CogroupedValue>
    const processor: Processor<K, unknown, K, CogroupedValue> = {
      init: (ctx) => {
        context = ctx
      },
      process: (record) => context.forward(record.withValue({ input, value: record.value })),
    }
    if (!prefetch) return processor
    const prefetching: Processor<K, unknown, K, CogroupedValue> & PrefetchingProcessor = { ...processor, prefetch: (records) => prefetch(context.getStateStore(storeName), records) }
    return prefetching
  }
}

/** Applies the aggregator of the input a record came through. */
export function cogroupedAggregator<K, VA>(aggregators: readonly Aggregator<K, never, VA>[]): Aggregator<K, CogroupedValue, VA> {
  return (key, { input, value }, aggregate) => (aggregators[input] as Aggregator<K, unknown, VA>)(key, value, aggregate)
}

/** A cogroup's late-record handler sees a late record as its input had it, untagged. */
export function untaggedLateRecords<K>(handler: LateRecordHandler<K, unknown> | undefined): LateRecordHandler<K, CogroupedValue> | undefined {
  return handler && ((record, closedWindows) => handler(record.withValue(record.value.value), closedWindows))
}
