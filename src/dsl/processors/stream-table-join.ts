import type { ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import type { TableValueGetter } from '../table-value-getter.js'

/**
 * Joins each stream record with the table's current value for its key, read through the
 * table's getter (its store, or the stores of the tables it derives from). Inner: records
 * without a table value produce nothing (as in Kafka Streams); left: the joiner gets undefined.
 */
export function streamTableJoinProcessor<K, V, VT, VR>(
  table: TableValueGetter<K, VT>,
  joiner: (value: V, tableValue: VT | undefined, key: K) => VR,
  kind: 'inner' | 'left',
): ProcessorSupplier<K, V, K, VR> {
  return () => {
    let context: ProcessorContext<K, VR>
    let lookup: (key: K) => VT | undefined
    return {
      init: (ctx) => {
        context = ctx
        lookup = table.init(ctx)
      },
      process: (record) => {
        const tableValue = lookup(record.key)
        if (tableValue === undefined && kind === 'inner') return
        context.forward(record.withValue(joiner(record.value, tableValue, record.key)))
      },
    }
  }
}
