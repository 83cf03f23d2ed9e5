import type { ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { TableValueGetter } from '../table-value-getter.js'

/**
 * Joins each stream record with the table's current value for its key (a global table's: for
 * the key `tableKey` computes from the record), read through the table's getter (its store, or
 * the stores of the tables it derives from). Inner: records without a table value, or whose
 * computed key is null, produce nothing (as in Kafka Streams); left: the joiner gets undefined.
 */
export function streamTableJoinProcessor<K, V, KT, VT, VR>(
  table: TableValueGetter<KT, VT>,
  joiner: (value: V, tableValue: VT | undefined, key: K) => VR,
  kind: 'inner' | 'left',
  tableKey: (key: K, value: V) => KT | null | undefined,
): ProcessorSupplier<K, V, K, VR> {
  return () => {
    let context: ProcessorContext<K, VR>
    let lookup: (key: KT) => VT | undefined
    return {
      init: (ctx) => {
        context = ctx
        lookup = table.init(ctx)
      },
      process: (record) => {
        const key = tableKey(record.key, record.value)
        const tableValue = key === null || key === undefined ? undefined : lookup(key)
        if (tableValue === undefined && kind === 'inner') return
        context.forward(record.withValue(joiner(record.value, tableValue, record.key)))
      },
    }
  }
}
