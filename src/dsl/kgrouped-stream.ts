import { TopologyError } from '../errors.js'
import { longSerde } from '../serde/numbers.js'
import type { Serde } from '../serde/serde.js'
import type { BackendKind } from '../state/backend.js'
import { groupedSource } from './aggregation-source.js'
import { CogroupedKStream } from './cogrouped-kstream.js'
import { addKeyValueAggregate } from './key-value-aggregation.js'
import type { KTable } from './ktable.js'
import { aggregateUpdate, type AggregateUpdate, type Aggregator } from './processors/key-value-aggregate.js'
import type { StreamsBuilder } from './streams-builder.js'
import type { TimeWindows } from './time-windows.js'
import { SessionWindowedKStream } from './session-windowed-kstream.js'
import { SessionWindows } from './session-windows.js'
import { SlidingWindowedKStream } from './sliding-windowed-kstream.js'
import { SlidingWindows } from './sliding-windows.js'
import { TimeWindowedKStream } from './time-windowed-kstream.js'

export interface MaterializedOptions {
  /** Name of the store (default derived from the input topics and operation). */
  store?: string
  backend?: BackendKind
  /** Keep a changelog topic for the store (default true). */
  logging?: boolean
  /** Name of the processor node. */
  name?: string
}

export interface AggregateOptions<VA> extends MaterializedOptions {
  value: Serde<VA>
}

export interface ReduceOptions<V> extends MaterializedOptions {
  value?: Serde<V>
}

/** A stream grouped by key, ready to aggregate. */
export class KGroupedStream<K, V> {
  /** @internal */
  constructor(
    readonly builder: StreamsBuilder,
    /** @internal */ readonly node: string,
    /** @internal */ readonly lineage: string,
    readonly keySerde: Serde<K>,
    readonly valueSerde: Serde<V> | undefined,
  ) {}

  count(options: MaterializedOptions = {}): KTable<K, number> {
    const table = this.aggregateWith('count', (_key, _value, previous: number | undefined) => (previous ?? 0) + 1, longSerde(), options)
    this.builder.graph.markIgnoresValues(table.node)
    return table
  }

  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, options: AggregateOptions<VA>): KTable<K, VA> {
    return this.aggregateWith('aggregate', aggregateUpdate(initializer, aggregator), options.value, options)
  }

  reduce(reducer: (aggregate: V, value: V) => V, options: ReduceOptions<V> = {}): KTable<K, V> {
    const valueSerde = options.value ?? this.valueSerde
    if (!valueSerde) throw new TopologyError(`reduce on "${this.lineage}" needs a value serde for its store: pass { value: ... }`)
    return this.aggregateWith('reduce', (_key, value, previous: V | undefined) => (previous === undefined ? value : reducer(previous, value)), valueSerde, options)
  }

  /**
   * Starts a cogroup: this stream and others grouped by the same key (`.cogroup(other,
   * aggregator)`), each with its own value type and aggregator, folded into one aggregate per
   * key (or window) in one store, as Kafka Streams' cogroup. The streams must be
   * co-partitioned: each grouped stream has been repartitioned by its key where it changed, and
   * their topics must have as many partitions (checked when the application starts).
   */
  cogroup<VA>(aggregator: Aggregator<K, V, VA>): CogroupedKStream<K, VA> {
    return new CogroupedKStream<K, VA>([{ grouped: this, aggregator }])
  }

  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>
  windowedBy(windows: SlidingWindows): SlidingWindowedKStream<K, V>
  windowedBy(windows: TimeWindows | SessionWindows | SlidingWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> | SlidingWindowedKStream<K, V> {
    if (windows instanceof SessionWindows) return new SessionWindowedKStream(this, windows)
    if (windows instanceof SlidingWindows) return new SlidingWindowedKStream(this, windows)
    return new TimeWindowedKStream(this, windows)
  }

  private aggregateWith<VA>(operation: string, update: AggregateUpdate<K, V, VA>, valueSerde: Serde<VA>, options: MaterializedOptions): KTable<K, VA> {
    return addKeyValueAggregate(groupedSource(this), operation, update, valueSerde, options)
  }
}
