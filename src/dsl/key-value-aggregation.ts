import type { Serde } from '../serde/serde.js'
import type { AggregationSource } from './aggregation-source.js'
import type { MaterializedOptions } from './kgrouped-stream.js'
import { KTable } from './ktable.js'
import { keyValueAggregateProcessor, prefetchKeys, type AggregateUpdate } from './processors/key-value-aggregate.js'

/**
 * @internal count / aggregate / reduce without windows, of a grouped stream or a cogroup: a
 * changelogged key-value store (`<lineage>-<operation>` unless named) and its processor; the
 * result is the table of the store.
 */
export function addKeyValueAggregate<K, V, VA>(source: AggregationSource<K, V>, operation: string, update: AggregateUpdate<K, V, VA>, valueSerde: Serde<VA>, options: MaterializedOptions): KTable<K, VA> {
  const { builder, keySerde, lineage } = source
  const store = builder.storeName(`${lineage}-${operation}`, options.store)
  const { node, storeUsers } = source.addAggregateProcessor(operation, options.name, keyValueAggregateProcessor(store, update), store, prefetchKeys)
  builder.graph.addStateStore({ name: store, type: 'keyValue', keySerde, valueSerde, logging: options.logging ?? true, backend: options.backend }, ...storeUsers)
  return new KTable(builder, node, lineage, keySerde, valueSerde, store)
}
