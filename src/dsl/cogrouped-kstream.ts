import { TopologyError } from '../errors.js'
import type { AggregationSource } from './aggregation-source.js'
import type { AggregateOptions, KGroupedStream } from './kgrouped-stream.js'
import { addKeyValueAggregate } from './key-value-aggregation.js'
import type { KTable } from './ktable.js'
import { cogroupedAggregator, cogroupInputProcessor, type CogroupedValue } from './processors/cogroup-input.js'
import { aggregateUpdate, type Aggregator } from './processors/key-value-aggregate.js'
import { SessionWindowedCogroupedKStream } from './session-windowed-cogrouped-kstream.js'
import { SessionWindows } from './session-windows.js'
import { SlidingWindowedCogroupedKStream } from './sliding-windowed-cogrouped-kstream.js'
import { SlidingWindows } from './sliding-windows.js'
import { TimeWindowedCogroupedKStream } from './time-windowed-cogrouped-kstream.js'
import type { TimeWindows } from './time-windows.js'

/** One grouped stream of a cogroup (what of it the cogroup reads: not its value type) and the aggregator of its values. */
interface CogroupInput<K, VAgg> {
  readonly grouped: Pick<KGroupedStream<K, never>, 'builder' | 'node' | 'lineage' | 'keySerde'>
  readonly aggregator: Aggregator<K, never, VAgg>
}

/**
 * Several grouped streams of one key type, each with its own value type and aggregator, to be
 * folded into one aggregate per key (or per window) in one store (Kafka Streams'
 * CogroupedKStream; start one with `KGroupedStream#cogroup`). Each input's records update the
 * aggregate as they come, whichever stream they are from; the result is a table, as an
 * aggregate of one grouped stream is, with the same store, changelog and update cache.
 *
 * The store is named after the first stream (`<its topics>-cogroup-aggregate`, windowed
 * `-cogroup-windowed-aggregate`, ...), so that cogrouping one more stream later keeps it.
 */
export class CogroupedKStream<K, VAgg> {
  /** @internal */
  constructor(private readonly inputs: readonly CogroupInput<K, VAgg>[]) {}

  /**
   * Adds a stream grouped by the same key, whose values `aggregator` folds into the aggregate.
   * It must be co-partitioned with the others: the inputs share one task per partition, and a
   * start with topics of different partition counts fails naming them.
   */
  cogroup<V>(grouped: KGroupedStream<K, V>, aggregator: Aggregator<K, NoInfer<V>, VAgg>): CogroupedKStream<K, VAgg> {
    const first = this.inputs[0].grouped
    const describe = `cogroup of "${first.lineage}" with "${grouped.lineage}"`
    if (grouped.builder !== first.builder) throw new TopologyError(`${describe}: the streams come from different builders`)
    if (this.inputs.some((input) => input.grouped === grouped)) throw new TopologyError(`${describe}: that grouped stream is in the cogroup already`)
    return new CogroupedKStream<K, VAgg>([...this.inputs, { grouped, aggregator }])
  }

  /** The aggregate per key, from `initializer()` for a key's first record. */
  aggregate(initializer: () => VAgg, options: AggregateOptions<VAgg>): KTable<K, VAgg> {
    return addKeyValueAggregate(this.source(), 'aggregate', aggregateUpdate(initializer, this.aggregator()), options.value, options)
  }

  windowedBy(windows: TimeWindows): TimeWindowedCogroupedKStream<K, VAgg>
  windowedBy(windows: SessionWindows): SessionWindowedCogroupedKStream<K, VAgg>
  windowedBy(windows: SlidingWindows): SlidingWindowedCogroupedKStream<K, VAgg>
  windowedBy(
    windows: TimeWindows | SessionWindows | SlidingWindows,
  ): TimeWindowedCogroupedKStream<K, VAgg> | SessionWindowedCogroupedKStream<K, VAgg> | SlidingWindowedCogroupedKStream<K, VAgg> {
    if (windows instanceof SessionWindows) return new SessionWindowedCogroupedKStream(this.source(), this.aggregator(), windows)
    if (windows instanceof SlidingWindows) return new SlidingWindowedCogroupedKStream(this.source(), this.aggregator(), windows)
    return new TimeWindowedCogroupedKStream(this.source(), this.aggregator(), windows)
  }

  private aggregator(): Aggregator<K, CogroupedValue, VAgg> {
    return cogroupedAggregator(this.inputs.map((input) => input.aggregator))
  }

  /**
   * The inputs as one source: a node per input (`<name>-input-<n>` when the aggregation is
   * named) tags its records with the input's index, and the aggregate processor reads them all.
   * Inputs in front of a prefetching aggregation load its store for their batches.
   */
  private source(): AggregationSource<K, CogroupedValue> {
    const first = this.inputs[0].grouped
    const { builder } = first
    return {
      builder,
      keySerde: first.keySerde,
      lineage: `${first.lineage}-cogroup`,
      addAggregateProcessor: (operation, name, processor, store, prefetch) => {
        const inputNodes = this.inputs.map(({ grouped }, index) => {
          const node = builder.nodeName('cogroup-input', name && `${name}-input-${index + 1}`)
          builder.graph.addProcessor(node, cogroupInputProcessor(index, store, prefetch), grouped.node)
          return node
        })
        const node = builder.nodeName(`cogroup-${operation}`, name)
        builder.graph.addProcessor(node, processor, ...inputNodes)
        return { node, storeUsers: prefetch ? [node, ...inputNodes] : [node] }
      },
    }
  }
}
