import type { ProcessorSupplier } from '../processor/processor.js'
import type { Serde } from '../serde/serde.js'
import type { KGroupedStream } from './kgrouped-stream.js'
import type { StorePrefetch } from './processors/cogroup-input.js'
import type { StreamsBuilder } from './streams-builder.js'

/**
 * @internal What an aggregation reads: one grouped stream, or the grouped streams of a cogroup.
 * The aggregation (count, aggregate, reduce; windowed or not) makes its store and processor;
 * the source puts the processor below its node or nodes, so that both kinds of source share
 * every aggregation's code.
 */
export interface AggregationSource<K, V> {
  readonly builder: StreamsBuilder
  readonly keySerde: Serde<K>
  /** Topics and operations leading here, for generated store names. */
  readonly lineage: string
  /**
   * Adds the aggregate processor for `operation` ('aggregate', 'windowed-count', ...), named
   * `name` if given, below the source; returns its node and every node that uses the store.
   * `prefetch` is how the aggregation loads its store for a batch, for nodes in front of it.
   */
  addAggregateProcessor(
    operation: string,
    name: string | undefined,
    processor: ProcessorSupplier<K, V, unknown, unknown>,
    store: string,
    prefetch: StorePrefetch | undefined,
  ): { readonly node: string; readonly storeUsers: readonly string[] }
}

/** @internal A grouped stream as the source of its own aggregations: the processor reads its node. */
export function groupedSource<K, V>(grouped: KGroupedStream<K, V>): AggregationSource<K, V> {
  const { builder, keySerde, lineage } = grouped
  return {
    builder,
    keySerde,
    lineage,
    addAggregateProcessor: (operation, name, processor) => {
      const node = builder.nodeName(operation, name)
      builder.graph.addProcessor(node, processor, grouped.node)
      return { node, storeUsers: [node] }
    },
  }
}
