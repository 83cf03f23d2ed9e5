import type { Processor, ProcessorSupplier } from '../../processor/processor.js'
import type { Record } from '../../processor/record.js'
import type { InternalProcessorContext } from '../../processor/internal-processor-context.js'
import type { CachingProcessor, PrefetchingProcessor } from '../../processor/processor-capabilities.js'
import type { KeyValueStore } from '../../state/store.js'
import { cacheIdOf, UpdateCache } from './update-cache.js'

/** The next aggregate from the previous one (undefined for a key's first record). */
export type AggregateUpdate<K, V, VA> = (key: K, value: V, previous: VA | undefined) => VA

type PrefetchingKeyValueStore<K, V> = KeyValueStore<K, V> & { prefetch(keys: readonly K[]): Promise<void> }

/** count / aggregate / reduce of a grouped stream into a key-value store; updates wait in an UpdateCache until commit. */
export function keyValueAggregateProcessor<K, V, VA>(storeName: string, update: AggregateUpdate<K, V, VA>): ProcessorSupplier<K, V, K, VA> {
  return () => {
    let store: PrefetchingKeyValueStore<K, VA>
    let updates: UpdateCache<K, VA>
    const processor: Processor<K, V, K, VA> & PrefetchingProcessor & CachingProcessor = {
      init: (ctx) => {
        const context = ctx as InternalProcessorContext<K, VA>
        store = ctx.getStateStore<PrefetchingKeyValueStore<K, VA>>(storeName)
        updates = new UpdateCache(context.updateCacheMaxEntries, (update) => context.forward(update), context.updateCacheMaxBytes, context.metrics)
      },
      forwardCached: () => updates.forwardAll(),
      prefetch: (records) => store.prefetch(records.map((record) => record.key as K)),
      process: (record: Record<K, V>) => {
        const next = update(record.key, record.value, store.get(record.key))
        store.put(record.key, next)
        updates.add(updates.holdsUpdates ? cacheIdOf(record.key) : undefined, record.withValue(next))
      },
    }
    return processor
  }
}
