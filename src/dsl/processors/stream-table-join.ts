import type { ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { KeyValueStore } from '../../state/store.js'

/**
 * Joins each stream record with the table's current value for its key. Inner: records without
 * a table value produce nothing (as in Kafka Streams); left: the joiner gets undefined.
 */
export function streamTableJoinProcessor<K, V, VT, VR>(
  storeName: string,
  joiner: (value: V, tableValue: VT | undefined, key: K) => VR,
  kind: 'inner' | 'left',
): ProcessorSupplier<K, V, K, VR> {
  return () => {
    let context: ProcessorContext<K, VR>
    let table: KeyValueStore<K, VT>
    return {
      init: (ctx) => {
        context = ctx
        table = ctx.getStateStore<KeyValueStore<K, VT>>(storeName)
      },
      process: (record) => {
        const tableValue = table.get(record.key)
        if (tableValue === undefined && kind === 'inner') return
        context.forward(record.withValue(joiner(record.value, tableValue, record.key)))
      },
    }
  }
}
