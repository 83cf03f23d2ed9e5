import type { Windowed } from '../base/windowed.js'
import { TopologyError } from '../errors.js'
import { longSerde } from '../serde/numbers.js'
import type { Serde } from '../serde/serde.js'
import { stringSerde } from '../serde/string.js'
import { valueAndTimestampSerde } from '../serde/value-and-timestamp.js'
import { windowedSerde } from '../serde/windowed.js'
import type { AggregateOptions, KGroupedStream, MaterializedOptions, ReduceOptions } from './kgrouped-stream.js'
import { KTable } from './ktable.js'
import type { AggregateUpdate } from './processors/key-value-aggregate.js'
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
    return this.aggregateWith('aggregate', (key, value, previous: VA | undefined) => aggregator(key, value, previous === undefined ? initializer() : previous), options.value, options)
  }

  reduce(reducer: (aggregate: V, value: V) => V, options: ReduceOptions<V> & WindowedOptions<K, V> = {}): KTable<Windowed<K>, V> {
    const valueSerde = options.value ?? this.grouped.valueSerde
    if (!valueSerde) throw new TopologyError(`sliding-window reduce on "${this.grouped.lineage}" needs a value serde for its store: pass { value: ... }`)
    return this.aggregateWith('reduce', (_key, value, previous: V | undefined) => (previous === undefined ? value : reducer(previous, value)), valueSerde, options)
  }

  private aggregateWith<VA>(operation: string, update: AggregateUpdate<K, V, VA>, valueSerde: Serde<VA>, options: MaterializedOptions & WindowedOptions<K, V>): KTable<Windowed<K>, VA> {
    const { builder, keySerde, lineage } = this.grouped
    const store = builder.storeName(`${lineage}-sliding-${operation}`, options.store)
    const name = builder.nodeName(`sliding-${operation}`, options.name)
    const emit = options.emit ?? 'update'
    const emittedStoreName = emit === 'final' ? builder.storeName(`${store}-emitted`) : undefined
    builder.graph.addProcessor(name, slidingWindowAggregateProcessor({ storeName: store, windows: this.windows, update, emit, emittedStoreName, onLateRecord: options.onLateRecord }), this.grouped.node)
    builder.graph.addStateStore(
      {
        name: store,
        type: 'window',
        keySerde,
        valueSerde: valueAndTimestampSerde(valueSerde),
        logging: options.logging ?? true,
        backend: options.backend,
        windowSizeMs: this.windows.timeDifferenceMs,
        retentionMs: this.windows.retentionMs,
      },
      name,
    )
    if (emittedStoreName) {
      builder.graph.addStateStore({ name: emittedStoreName, type: 'keyValue', keySerde: stringSerde(), valueSerde: longSerde(), logging: options.logging ?? true, backend: options.backend }, name)
    }
    // A sliding window is closed once stream time is past its end + grace.
    const graceMs = this.windows.graceMs
    return new KTable<Windowed<K>, VA>(builder, name, lineage, windowedSerde(keySerde), valueSerde, undefined, undefined, (key) => key.window.end + graceMs + 1)
  }
}
