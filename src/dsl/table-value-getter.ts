import type { ProcessorContext } from '../processor/processor.js'
import type { KeyValueStore } from '../state/store.js'

/**
 * @internal How a processor reads a table's current value for a key (Kafka Streams'
 * KTableValueGetter): from the table's own store when it is materialized, otherwise computed
 * from the stores of the tables it derives from (a filter or mapValues applied on the fly, a
 * join of the two sides' values). Joins use it to look up the other side.
 */
export interface TableValueGetter<K, V> {
  /** The stores it reads: every processor that uses the getter must have them attached. */
  readonly stores: readonly string[]
  /** Called in the processor's init(); the function it returns is the lookup. */
  init(context: Pick<ProcessorContext, 'getStateStore'>): (key: K) => V | undefined
}

/** @internal A materialized table's getter: its store. */
export function storeValueGetter<K, V>(storeName: string): TableValueGetter<K, V> {
  return {
    stores: [storeName],
    init: (context) => {
      const store = context.getStateStore<KeyValueStore<K, V>>(storeName)
      return (key) => store.get(key)
    },
  }
}

/** @internal A getter whose values are another getter's, transformed (undefined: no value). */
export function mappedValueGetter<K, V, V2>(parent: TableValueGetter<K, V>, transform: (key: K, value: V) => V2 | undefined): TableValueGetter<K, V2> {
  return {
    stores: parent.stores,
    init: (context) => {
      const get = parent.init(context)
      return (key) => {
        const value = get(key)
        return value === undefined ? undefined : transform(key, value)
      }
    },
  }
}
