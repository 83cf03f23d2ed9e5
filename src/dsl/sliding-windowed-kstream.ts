import type { Windowed } from '../base/windowed.js'
import { TopologyError } from '../errors.js'
import { longSerde } from '../serde/numbers.js'
import type { Serde } from '../serde/serde.js'
import { valueAndTimestampSerde } from '../serde/value-and-timestamp.js'
import { windowedSerde } from '../serde/windowed.js'
import type { AggregateOptions, KGroupedStream, MaterializedOptions, ReduceOptions } from './kgrouped-stream.js'
import { KTable } from './ktable.js'
import { aggregateUpdate, type AggregateUpdate } from './processors/key-value-aggregate.js'
import { groupedSource, type AggregationSource } from './aggregation-source.js'
import { addWindowedAggregate } from './windowed-aggregation.js'
import { slidingWindowAggregateProcessor } from './processors/sliding-window-aggregate.js'
import type { SlidingWindows } from './sliding-windows.js'
import type { WindowedOptions } from './time-windowed-kstream.js'

/**
 * A grouped stream aggregated over sliding windows: results are tables keyed by the window
 * (its key, start and end = start + time difference, both inclusive). The window store holds
 * each window's aggregate with the time of its latest record (`{ value, timestamp }`, as
 * `sluice store` shows it).
 */
export class SlidingWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    readonly windows: SlidingWindows,
  ) {}

  count(options: MaterializedOptions & WindowedOptions<K, V> = {}): KTable<Windowed<K>, number> {
    const table = this.aggregateWith('count', (_key, _value, previous: number | undefined) => (previous ?? 0) + 1, longSerde(), options)
    if (!options.onLateRecord) this.grouped.builder.graph.markIgnoresValues(table.node)
    return table
  }

  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, options: AggregateOptions<VA> & WindowedOptions<K, V>): KTable<Windowed<K>, VA> {
    return this.aggregateWith('aggregate', aggregateUpdate(initializer, aggregator), options.value, options)
  }

  reduce(reducer: (aggregate: V, value: V) => V, options: ReduceOptions<V> & WindowedOptions<K, V> = {}): KTable<Windowed<K>, V> {
    const valueSerde = options.value ?? this.grouped.valueSerde
    if (!valueSerde) throw new TopologyError(`sliding-window reduce on "${this.grouped.lineage}" needs a value serde for its store: pass { value: ... }`)
    return this.aggregateWith('reduce', (_key, value, previous: V | undefined) => (previous === undefined ? value : reducer(previous, value)), valueSerde, options)
  }

  private aggregateWith<VA>(operation: string, update: AggregateUpdate<K, V, VA>, valueSerde: Serde<VA>, options: MaterializedOptions & WindowedOptions<K, V>): KTable<Windowed<K>, VA> {
    return addSlidingWindowAggregate(groupedSource(this.grouped), this.windows, `sliding-${operation}`, update, valueSerde, options)
  }
}

/**
 * @internal A sliding-window count / aggregate / reduce of a grouped stream or a cogroup, into a
 * window store of `{ value, timestamp }`.
 */
export function addSlidingWindowAggregate<K, V, VA>(
  source: AggregationSource<K, V>,
  windows: SlidingWindows,
  operation: string,
  update: AggregateUpdate<K, V, VA>,
  valueSerde: Serde<VA>,
  options: MaterializedOptions & WindowedOptions<K, V>,
): KTable<Windowed<K>, VA> {
  const { builder, keySerde, lineage } = source
  // A sliding window is closed once stream time is past its end + grace.
  const closesAt = (key: Windowed<K>) => key.window.end + windows.graceMs + 1
  return addWindowedAggregate(source, operation, options, {
    processor: (stores) => slidingWindowAggregateProcessor({ ...stores, windows, update, onLateRecord: options.onLateRecord }),
    store: { type: 'window', keySerde, valueSerde: valueAndTimestampSerde(valueSerde), windowSizeMs: windows.timeDifferenceMs, retentionMs: windows.retentionMs },
    table: (node) => new KTable<Windowed<K>, VA>(builder, node, lineage, windowedSerde(keySerde), valueSerde, undefined, undefined, closesAt),
  })
}
