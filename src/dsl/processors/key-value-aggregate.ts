import type { Processor, ProcessorSupplier } from '../../processor/processor.js'
import type { Record } from '../../processor/record.js'
import type { InternalProcessorContext } from '../../processor/internal-processor-context.js'
import type { CachingProcessor, PrefetchingProcessor } from '../../processor/processor-capabilities.js'
import type { KeyValueStore, StateStore } from '../../state/store.js'
import { cacheIdOf, UpdateCache } from './update-cache.js'

/** The next aggregate from the previous one (undefined for a key's first record). */
export type AggregateUpdate<K, V, VA> = (key: K, value: V, previous: VA | undefined) => VA

/** A user's aggregator, as Kafka Streams' Aggregator: the next aggregate from a record and the aggregate so far. */
export type Aggregator<K, V, VA> = (key: K, value: V, aggregate: VA) => VA

/** aggregate(): a key's (or window's) first record is aggregated into `initializer()`. */
export function aggregateUpdate<K, V, VA>(initializer: () => VA, aggregator: Aggregator<K, V, VA>): AggregateUpdate<K, V, VA> {
  return (key, value, previous) => aggregator(key, value, previous === undefined ? initializer() : previous)
}

type PrefetchingKeyValueStore<K, V> = KeyValueStore<K, V> & { prefetch(keys: readonly K[]): Promise<void> }

/** Loads the entries a batch's records will update with one multi-get, so that get() never waits. */
export function prefetchKeys(store: StateStore, records: readonly Record<unknown, unknown>[]): Promise<void> {
  return (store as PrefetchingKeyValueStore<unknown, unknown>).prefetch(records.map((record) => record.key))
}

/** count / aggregate / reduce of a grouped stream into a key-value store; updates wait in an UpdateCache until commit. */
export function keyValueAggregateProcessor<K, V, VA>(storeName: string, update: AggregateUpdate<K, V, VA>): ProcessorSupplier<K, V, K, VA> {
  return () => {
    let store: KeyValueStore<K, VA>
    let updates: UpdateCache<K, VA>
    const processor: Processor<K, V, K, VA> & PrefetchingProcessor & CachingProcessor = {
      init: (ctx) => {
        const context = ctx as InternalProcessorContext<K, VA>
        store = ctx.getStateStore<KeyValueStore<K, VA>>(storeName)
        updates = new UpdateCache(context.updateCacheMaxEntries, (update) => context.forward(update), context.updateCacheMaxBytes, context.metrics)
      },
      forwardCached: () => updates.forwardAll(),
      prefetch: (records) => prefetchKeys(store, records),
      process: (record: Record<K, V>) => {
        const next = update(record.key, record.value, store.get(record.key))
        store.put(record.key, next)
        updates.add(updates.holdsUpdates ? cacheIdOf(record.key) : undefined, record.withValue(next))
      },
    }
    return processor
  }
}
