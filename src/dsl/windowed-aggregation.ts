import type { Windowed } from '../base/windowed.js'
import type { ProcessorSupplier } from '../processor/processor.js'
import { longSerde } from '../serde/numbers.js'
import { stringSerde } from '../serde/string.js'
import type { StoreSpec } from '../state/store.js'
import type { AggregationSource } from './aggregation-source.js'
import type { MaterializedOptions } from './kgrouped-stream.js'
import type { KTable } from './ktable.js'
import type { StorePrefetch } from './processors/cogroup-input.js'
import type { EmitStrategy } from './processors/window-aggregate.js'

/** The stores a windowed aggregate processor is given. */
export interface WindowedAggregateStores {
  readonly storeName: string
  readonly emit: EmitStrategy
  /** With emit 'final': the key-value store remembering up to where results were emitted. */
  readonly emittedStoreName: string | undefined
}

/** What sets time, session and sliding windows apart when their aggregation is built. */
export interface WindowedAggregationKind<K, V, VStore, VTable> {
  processor(stores: WindowedAggregateStores): ProcessorSupplier<K, V, unknown, unknown>
  /** The aggregation's store as its kind needs it, but for its name, logging and backend. */
  readonly store: Omit<StoreSpec<K, VStore>, 'name' | 'logging' | 'backend'>
  /** How the processor loads its store for a batch, if it does. */
  readonly prefetch?: StorePrefetch
  /** The result table of the aggregate node. */
  table(node: string): KTable<Windowed<K>, VTable>
}

/**
 * @internal A windowed count / aggregate / reduce of a grouped stream or a cogroup: its store
 * (`<lineage>-<operation>` unless named, changelogged unless `logging: false`), with emit
 * 'final' a store of how far results were emitted (so that a restart emits nothing twice),
 * and its processor below the source.
 */
export function addWindowedAggregate<K, V, VStore, VTable>(
  source: AggregationSource<K, V>,
  operation: string,
  options: MaterializedOptions & { emit?: EmitStrategy },
  kind: WindowedAggregationKind<K, V, VStore, VTable>,
): KTable<Windowed<K>, VTable> {
  const { builder } = source
  const logging = options.logging ?? true
  const storeName = builder.storeName(`${source.lineage}-${operation}`, options.store)
  const emit = options.emit ?? 'update'
  const emittedStoreName = emit === 'final' ? builder.storeName(`${storeName}-emitted`) : undefined
  const { node, storeUsers } = source.addAggregateProcessor(operation, options.name, kind.processor({ storeName, emit, emittedStoreName }), storeName, kind.prefetch)
  builder.graph.addStateStore({ ...kind.store, name: storeName, logging, backend: options.backend }, ...storeUsers)
  if (emittedStoreName) {
    builder.graph.addStateStore({ name: emittedStoreName, type: 'keyValue', keySerde: stringSerde(), valueSerde: longSerde(), logging, backend: options.backend }, node)
  }
  return kind.table(node)
}
