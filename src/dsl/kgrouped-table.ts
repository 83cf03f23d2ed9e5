import { TopologyError } from '../errors.js'
import { longSerde } from '../serde/numbers.js'
import type { Serde } from '../serde/serde.js'
import type { BackendKind } from '../state/backend.js'
import type { AggregateOptions, MaterializedOptions, ReduceOptions } from './kgrouped-stream.js'
import type { KeyValuePair } from './kstream.js'
import { KTable } from './ktable.js'
import { tableAggregateProcessor, tableGroupByProcessor, type TableAggregateUpdate } from './processors/table-aggregate.js'
import { changeSerde, pairSerde } from './processors/table-changes.js'
import type { StreamsBuilder } from './streams-builder.js'

/** Options of KTable.groupBy: the new key's and value's serdes are needed for the repartition topic. */
export interface TableGroupedOptions<K, V> {
  key: Serde<K>
  value: Serde<V>
  /** Names the repartition topic `<applicationId>-<repartition>-repartition` (default `<topic>-table-group-by`). */
  repartition?: string
  /** Name of the processor node that selects the groups. */
  name?: string
  /** Backend of the store that remembers each row's group (`<repartition>-previous`). */
  backend?: BackendKind
}

/**
 * A table regrouped by a new key, ready to aggregate (Kafka Streams' KGroupedTable). Unlike a
 * grouped stream's, its aggregations also subtract: when a row changes, its old value is taken
 * out of the group it was in and its new value added to the group it is in now.
 */
export class KGroupedTable<K, V> {
  /** @internal */
  constructor(
    readonly builder: StreamsBuilder,
    /** @internal */ readonly node: string,
    /** @internal */ readonly lineage: string,
    readonly keySerde: Serde<K>,
    readonly valueSerde: Serde<V>,
  ) {}

  /** The number of rows in each group; a group whose rows all left stays with count 0, as in Kafka Streams. */
  count(options: MaterializedOptions = {}): KTable<K, number> {
    return this.aggregateWith('count', { add: (_key, _value, count) => (count ?? 0) + 1, subtract: (_key, _value, count) => count - 1 }, longSerde(), options)
  }

  /**
   * Combines each group's values with `adder`; a row that changes or leaves has its old value
   * taken out with `subtractor`. A result of null deletes the group's row.
   */
  reduce(adder: (aggregate: V, value: V) => V, subtractor: (aggregate: V, value: V) => V | null, options: ReduceOptions<V> = {}): KTable<K, V> {
    const valueSerde = options.value ?? this.valueSerde
    return this.aggregateWith('reduce', { add: (_key, value, aggregate) => (aggregate === undefined ? value : adder(aggregate, value)), subtract: (_key, value, aggregate) => subtractor(aggregate, value) }, valueSerde, options)
  }

  /**
   * Folds each group's values into an aggregate starting from `initializer()`: `adder` adds a
   * row's new value, `subtractor` takes out its old one. A result of null deletes the group's row.
   */
  aggregate<VA>(
    initializer: () => VA,
    adder: (key: K, value: V, aggregate: VA) => VA,
    subtractor: (key: K, value: V, aggregate: VA) => VA | null,
    options: AggregateOptions<VA>,
  ): KTable<K, VA> {
    return this.aggregateWith(
      'aggregate',
      { add: (key, value, aggregate) => adder(key, value, aggregate === undefined ? initializer() : aggregate), subtract: (key, value, aggregate) => subtractor(key, value, aggregate) },
      options.value,
      options,
    )
  }

  private aggregateWith<VA>(operation: string, update: TableAggregateUpdate<K, V, VA>, valueSerde: Serde<VA>, options: MaterializedOptions): KTable<K, VA> {
    const store = this.builder.storeName(`${this.lineage}-${operation}`, options.store)
    const name = this.builder.nodeName(`table-${operation}`, options.name)
    this.builder.graph.addProcessor(name, tableAggregateProcessor(store, update), this.node)
    this.builder.graph.addStateStore({ name: store, type: 'keyValue', keySerde: this.keySerde, valueSerde, logging: options.logging ?? true, backend: options.backend }, name)
    return new KTable<K, VA>(this.builder, name, this.lineage, this.keySerde, valueSerde, store)
  }
}

/**
 * @internal KTable.groupBy: selects each row's new key and value and writes them through a
 * repartition topic as Changes, so that every group is aggregated by the task owning its key.
 */
export function groupTable<K, V, K2, V2>(table: KTable<K, V>, selector: (key: K, value: V) => KeyValuePair<K2, V2>, options: TableGroupedOptions<K2, V2>): KGroupedTable<K2, V2> {
  const { builder } = table
  if (!table.keySerde) throw new TopologyError(`groupBy on the table "${table.lineage}" needs the table's key serde for the store of each row's group`)
  if (!options.key || !options.value) throw new TopologyError(`groupBy on the table "${table.lineage}" needs the new key's and value's serdes: pass { key: ..., value: ... }`)
  const name = builder.repartitionName(`${table.lineage}-table-group-by`, options.repartition)
  const topic = builder.graph.addRepartitionTopic(name)
  const previous = builder.storeName(`${name}-previous`)
  const select = builder.nodeName('table-group-by', options.name)
  builder.graph.addProcessor(select, tableGroupByProcessor(selector, previous, options.key, topic), table.node)
  builder.graph.addStateStore({ name: previous, type: 'keyValue', keySerde: table.keySerde, valueSerde: pairSerde(options.key, options.value), logging: true, backend: options.backend }, select)
  const changes = changeSerde(options.value)
  const sink = builder.nodeName('table-group-by-repartition-sink')
  const source = builder.nodeName('table-group-by-repartition-source')
  builder.graph.addSink(sink, topic, { key: options.key, value: changes }, select)
  builder.graph.addSource(source, topic, { key: options.key, value: changes })
  return new KGroupedTable(builder, source, name, options.key, options.value)
}
