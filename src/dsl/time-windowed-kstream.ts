import { longSerde } from '../serde/numbers.js'
import type { Serde } from '../serde/serde.js'
import { windowedSerde } from '../serde/windowed.js'
import type { Windowed } from '../base/windowed.js'
import { TopologyError } from '../errors.js'
import type { AggregateOptions, KGroupedStream, MaterializedOptions, ReduceOptions } from './kgrouped-stream.js'
import { KTable } from './ktable.js'
import { aggregateUpdate, type AggregateUpdate } from './processors/key-value-aggregate.js'
import { prefetchWindows, windowAggregateProcessor, type EmitStrategy, type LateRecordHandler } from './processors/window-aggregate.js'
import { groupedSource, type AggregationSource } from './aggregation-source.js'
import { addWindowedAggregate } from './windowed-aggregation.js'
import type { TimeWindows } from './time-windows.js'

export interface WindowedOptions<K, V> {
  /** 'update' (default) forwards every change of a window; 'final' only its result when it closes. */
  emit?: EmitStrategy
  /** Receives records that arrived after their window closed; they are also counted as late. */
  onLateRecord?: LateRecordHandler<K, V>
}

/** A grouped stream cut into event-time windows. */
export class TimeWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    readonly windows: TimeWindows,
  ) {}

  count(options: MaterializedOptions & WindowedOptions<K, V> = {}): KTable<Windowed<K>, number> {
    const table = this.aggregateWith('count', (_key, _value, previous: number | undefined) => (previous ?? 0) + 1, longSerde(), options)
    // A late-record handler sees the records, values included.
    if (!options.onLateRecord) this.grouped.builder.graph.markIgnoresValues(table.node)
    return table
  }

  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, options: AggregateOptions<VA> & WindowedOptions<K, V>): KTable<Windowed<K>, VA> {
    return this.aggregateWith('aggregate', aggregateUpdate(initializer, aggregator), options.value, options)
  }

  reduce(reducer: (aggregate: V, value: V) => V, options: ReduceOptions<V> & WindowedOptions<K, V> = {}): KTable<Windowed<K>, V> {
    const valueSerde = options.value ?? this.grouped.valueSerde
    if (!valueSerde) throw new TopologyError(`windowed reduce on "${this.grouped.lineage}" needs a value serde for its store: pass { value: ... }`)
    return this.aggregateWith('reduce', (_key, value, previous: V | undefined) => (previous === undefined ? value : reducer(previous, value)), valueSerde, options)
  }

  private aggregateWith<VA>(operation: string, update: AggregateUpdate<K, V, VA>, valueSerde: Serde<VA>, options: MaterializedOptions & WindowedOptions<K, V>): KTable<Windowed<K>, VA> {
    return addTimeWindowAggregate(groupedSource(this.grouped), this.windows, `windowed-${operation}`, update, valueSerde, options)
  }
}

/** @internal A time-windowed count / aggregate / reduce of a grouped stream or a cogroup, into a window store. */
export function addTimeWindowAggregate<K, V, VA>(
  source: AggregationSource<K, V>,
  windows: TimeWindows,
  operation: string,
  update: AggregateUpdate<K, V, VA>,
  valueSerde: Serde<VA>,
  options: MaterializedOptions & WindowedOptions<K, V>,
): KTable<Windowed<K>, VA> {
  const { builder, keySerde, lineage } = source
  return addWindowedAggregate(source, operation, options, {
    processor: (stores) => windowAggregateProcessor({ ...stores, windows, update, onLateRecord: options.onLateRecord }),
    store: { type: 'window', keySerde, valueSerde, windowSizeMs: windows.sizeMs, retentionMs: windows.retentionMs },
    prefetch: prefetchWindows(windows),
    table: (node) => new KTable<Windowed<K>, VA>(builder, node, lineage, windowedSerde(keySerde), valueSerde, undefined, undefined, (key) => key.window.end + windows.graceMs),
  })
}
