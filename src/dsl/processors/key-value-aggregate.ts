import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { Record } from '../../processor/record.js'
import type { PrefetchingProcessor } from '../../runtime/stream-task.js'
import type { KeyValueStore } from '../../state/store.js'

/** The next aggregate from the previous one (undefined for a key's first record). */
export type AggregateUpdate<K, V, VA> = (key: K, value: V, previous: VA | undefined) => VA

type PrefetchingKeyValueStore<K, V> = KeyValueStore<K, V> & { prefetch(keys: readonly K[]): Promise<void> }

/** count / aggregate / reduce of a grouped stream into a key-value store; emits every update. */
export function keyValueAggregateProcessor<K, V, VA>(storeName: string, update: AggregateUpdate<K, V, VA>): ProcessorSupplier<K, V, K, VA> {
  return () => {
    let context: ProcessorContext<K, VA>
    let store: PrefetchingKeyValueStore<K, VA>
    const processor: Processor<K, V, K, VA> & PrefetchingProcessor = {
      init: (ctx) => {
        context = ctx
        store = ctx.getStateStore<PrefetchingKeyValueStore<K, VA>>(storeName)
      },
      prefetch: (records) => store.prefetch(records.map((record) => record.key as K)),
      process: (record: Record<K, V>) => {
        const next = update(record.key, record.value, store.get(record.key))
        store.put(record.key, next)
        context.forward(record.withValue(next))
      },
    }
    return processor
  }
}
