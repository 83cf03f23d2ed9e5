import { TopologyError } from '../errors.js'
import type { Serde } from '../serde/serde.js'
import type { BackendKind } from '../state/backend.js'
import { KTable } from './ktable.js'
import type { StreamsBuilder } from './streams-builder.js'
import { tableJoinAction, tableJoinSideProcessor, tableMergeProcessor, tableTransformProcessor, type TableJoinKind } from './processors/table-operations.js'
import { mappedValueGetter, storeValueGetter, type TableValueGetter } from './table-value-getter.js'

/** Options of KTable filter / filterNot / mapValues. */
export interface TableOperationOptions<V> {
  /** Name of the processor node. */
  name?: string
  /**
   * Materializes the result in a store of this name (for interactive queries, or to forward
   * deletes only of keys it held). Without one, readers compute it from the input table's store.
   */
  store?: string
  /** The result's value serde: needed by mapValues with a store, and by operations downstream that write it. */
  value?: Serde<V>
  backend?: BackendKind
  /** Keep a changelog topic for the store (default true). */
  logging?: boolean
}

/** Options of a table-table join. */
export type TableJoinedOptions<VR> = TableOperationOptions<VR>

/** @internal A table's getter: the one it was built with, or its store's. */
export function tableValueGetter<K, V>(table: KTable<K, V>): TableValueGetter<K, V> | undefined {
  return table.valueGetter ?? (table.storeName === undefined ? undefined : storeValueGetter<K, V>(table.storeName))
}

/** @internal KTable filter and filterNot. */
export function filterTable<K, V>(table: KTable<K, V>, predicate: (key: K, value: V) => boolean, keep: boolean, options: TableOperationOptions<V> = {}): KTable<K, V> {
  const transform = (key: K, value: V): V | undefined => (predicate(key, value) === keep ? value : undefined)
  return transformTable(table, keep ? 'table-filter' : 'table-filter-not', transform, options.value ?? table.valueSerde, options)
}

/** @internal KTable mapValues. */
export function mapTableValues<K, V, V2>(table: KTable<K, V>, mapper: (value: V, key: K) => V2, options: TableOperationOptions<V2> = {}): KTable<K, V2> {
  const transform = (key: K, value: V): V2 | undefined => {
    const mapped = mapper(value, key)
    return mapped === null ? undefined : mapped
  }
  return transformTable(table, 'table-map-values', transform, options.value, options)
}

function transformTable<K, V, V2>(table: KTable<K, V>, operation: string, transform: (key: K, value: V) => V2 | undefined, valueSerde: Serde<V2> | undefined, options: TableOperationOptions<V2>): KTable<K, V2> {
  const { builder } = table
  const name = builder.nodeName(operation, options.name)
  const store = options.store === undefined ? undefined : builder.storeName(`${table.lineage}-${operation}`, options.store)
  builder.graph.addProcessor(name, tableTransformProcessor(transform, store), table.node)
  let getter: TableValueGetter<K, V2> | undefined
  if (store !== undefined) {
    addTableStore(table, table.keySerde, store, valueSerde, options, name, operation)
    getter = storeValueGetter(store)
  } else {
    const parent = tableValueGetter(table)
    getter = parent && mappedValueGetter(parent, transform)
  }
  return new KTable<K, V2>(builder, name, table.lineage, table.keySerde, valueSerde, store, getter)
}

/**
 * @internal A table-table join (Kafka Streams' KTable-KTable join): both tables are read through
 * their getters (materialized tables from their stores), so both live in one sub-topology,
 * co-partitioned. An update of either side looks up the other side's current value; see
 * tableJoinAction for what it forwards.
 */
export function joinTables<K, VL, VR, VOut>(
  left: KTable<K, VL>,
  right: KTable<K, VR>,
  joiner: (value: VL | undefined, otherValue: VR | undefined, key: K) => VOut,
  kind: TableJoinKind,
  options: TableJoinedOptions<VOut> = {},
): KTable<K, VOut> {
  const { builder } = left
  const operation = kind === 'inner' ? 'table-join' : kind === 'left' ? 'table-left-join' : 'table-outer-join'
  if (right.builder !== builder) throw new TopologyError(`${operation} of "${left.lineage}" with "${right.lineage}": the tables come from different builders`)
  const leftGetter = tableValueGetter(left)
  const rightGetter = tableValueGetter(right)
  for (const [table, getter] of [[left, leftGetter], [right, rightGetter]] as const) {
    if (!getter) throw new TopologyError(`${operation} of "${left.lineage}" with "${right.lineage}": the table "${table.lineage}" (node ${table.node}) cannot be read by key; materialize it`)
  }
  const thisNode = builder.nodeName(`${operation}-this`, options.name && `${options.name}-this`)
  const otherNode = builder.nodeName(`${operation}-other`, options.name && `${options.name}-other`)
  const output = builder.nodeName(operation, options.name)
  builder.graph.addProcessor(thisNode, tableJoinSideProcessor<K, VL, VR, VOut>('this', kind, rightGetter as TableValueGetter<K, unknown>, joiner), left.node)
  builder.graph.connectProcessorAndStateStores(thisNode, ...new Set(rightGetter?.stores))
  builder.graph.addProcessor(otherNode, tableJoinSideProcessor<K, VL, VR, VOut>('other', kind, leftGetter as TableValueGetter<K, unknown>, joiner), right.node)
  builder.graph.connectProcessorAndStateStores(otherNode, ...new Set(leftGetter?.stores))
  const lineage = `${left.lineage}-${operation}-${right.lineage}`
  const store = options.store === undefined ? undefined : builder.storeName(lineage, options.store)
  builder.graph.addProcessor(output, tableMergeProcessor<K, VOut>(store), thisNode, otherNode)
  const keySerde = left.keySerde ?? right.keySerde
  let getter: TableValueGetter<K, VOut>
  if (store !== undefined) {
    addTableStore(left, keySerde, store, options.value, options, output, operation)
    getter = storeValueGetter(store)
  } else {
    getter = joinedValueGetter(leftGetter as TableValueGetter<K, VL>, rightGetter as TableValueGetter<K, VR>, kind, joiner)
  }
  return new KTable<K, VOut>(builder, output, lineage, keySerde, options.value, store, getter)
}

/** The joined table's value for a key, computed from both sides' current values. */
function joinedValueGetter<K, VL, VR, VOut>(left: TableValueGetter<K, VL>, right: TableValueGetter<K, VR>, kind: TableJoinKind, joiner: (value: VL | undefined, otherValue: VR | undefined, key: K) => VOut): TableValueGetter<K, VOut> {
  return {
    stores: [...new Set([...left.stores, ...right.stores])],
    init: (context) => {
      const getLeft = left.init(context)
      const getRight = right.init(context)
      return (key) => {
        const leftValue = getLeft(key)
        const rightValue = getRight(key)
        // The row as an update of this side would leave it.
        if (tableJoinAction(kind, 'this', leftValue, rightValue) !== 'join') return undefined
        const joined = joiner(leftValue, rightValue, key)
        return joined === null ? undefined : joined
      }
    },
  }
}

/** @internal Declares the store that materializes an operation's resulting table. */
export function addTableStore<K, V>(
  table: { readonly builder: StreamsBuilder; readonly lineage: string },
  keySerde: Serde<K> | undefined,
  store: string,
  valueSerde: Serde<V> | undefined,
  options: TableOperationOptions<V>,
  processor: string,
  operation: string,
): void {
  if (!keySerde) throw new TopologyError(`${operation} on "${table.lineage}" is materialized in "${store}" and needs the table's key serde`)
  if (!valueSerde) throw new TopologyError(`${operation} on "${table.lineage}" is materialized in "${store}" and needs a value serde: pass { value: ... }`)
  table.builder.graph.addStateStore({ name: store, type: 'keyValue', keySerde, valueSerde, logging: options.logging ?? true, backend: options.backend }, processor)
}
