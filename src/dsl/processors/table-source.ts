import type { ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { KeyValueStore } from '../../state/store.js'

/** Materializes a topic as a table: the latest value per key; a null value deletes the key. */
export function tableSourceProcessor<K, V>(storeName: string): ProcessorSupplier<K, V, K, V> {
  return () => {
    let context: ProcessorContext<K, V>
    let store: KeyValueStore<K, V>
    return {
      init: (ctx) => {
        context = ctx
        store = ctx.getStateStore<KeyValueStore<K, V>>(storeName)
      },
      process: (record) => {
        if (record.value === null || record.value === undefined) store.delete(record.key)
        else store.put(record.key, record.value)
        context.forward(record)
      },
    }
  }
}
