import type { Windowed } from '../base/windowed.js'
import { TopologyError } from '../errors.js'
import { longSerde } from '../serde/numbers.js'
import { nullableSerde } from '../serde/nullable.js'
import type { Serde } from '../serde/serde.js'
import { stringSerde } from '../serde/string.js'
import { windowedSerde } from '../serde/windowed.js'
import type { AggregateOptions, KGroupedStream, MaterializedOptions, ReduceOptions } from './kgrouped-stream.js'
import { KTable } from './ktable.js'
import { sessionAggregateProcessor, type SessionAggregation } from './processors/session-aggregate.js'
import type { SessionWindows } from './session-windows.js'
import type { WindowedOptions } from './time-windowed-kstream.js'

/**
 * A grouped stream cut into sessions of activity per key. Results are tables keyed by the
 * session (its key, start and end); a session merged into a later, wider one is deleted from
 * the table: with emit 'update', its key is forwarded with a `null` value (a tombstone), hence
 * the `| null` in the value type (the table's value serde writes it as a null payload).
 */
export class SessionWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    readonly windows: SessionWindows,
  ) {}

  /** Records per session. */
  count(options: MaterializedOptions & WindowedOptions<K, V> = {}): KTable<Windowed<K>, number | null> {
    const table = this.aggregateWith(
      'count',
      { initializer: () => 0, aggregator: (_key, _value, count) => (count ?? 0) + 1, merger: (_key, count, session) => (count ?? 0) + session },
      longSerde(),
      options,
    )
    if (!options.onLateRecord) this.grouped.builder.graph.markIgnoresValues(table.node)
    return table
  }

  /**
   * Aggregates each session from `initializer()`; when a record bridges sessions, `merger`
   * combines their aggregates (called with the aggregate so far, starting from `initializer()`,
   * and each merged session's, oldest first) before the record is aggregated.
   */
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    merger: (key: K, aggregateOne: VA, aggregateTwo: VA) => VA,
    options: AggregateOptions<VA> & WindowedOptions<K, V>,
  ): KTable<Windowed<K>, VA | null> {
    return this.aggregateWith(
      'aggregate',
      {
        initializer,
        aggregator: (key, value, aggregate) => aggregator(key, value, aggregate === undefined ? initializer() : aggregate),
        merger: (key, aggregate, session) => merger(key, aggregate === undefined ? initializer() : aggregate, session),
      },
      options.value,
      options,
    )
  }

  /** Combines each session's values with `reducer`; merged sessions are reduced together, oldest first. */
  reduce(reducer: (aggregate: V, value: V) => V, options: ReduceOptions<V> & WindowedOptions<K, V> = {}): KTable<Windowed<K>, V | null> {
    const valueSerde = options.value ?? this.grouped.valueSerde
    if (!valueSerde) throw new TopologyError(`session reduce on "${this.grouped.lineage}" needs a value serde for its store: pass { value: ... }`)
    return this.aggregateWith(
      'reduce',
      {
        initializer: () => undefined,
        aggregator: (_key, value, aggregate) => (aggregate === undefined ? value : reducer(aggregate, value)),
        merger: (_key, aggregate, session) => (aggregate === undefined ? session : reducer(aggregate, session)),
      },
      valueSerde,
      options,
    )
  }

  private aggregateWith<VA>(
    operation: string,
    aggregation: SessionAggregation<K, V, VA>,
    valueSerde: Serde<VA>,
    options: MaterializedOptions & WindowedOptions<K, V>,
  ): KTable<Windowed<K>, VA | null> {
    const { builder, keySerde, lineage } = this.grouped
    const store = builder.storeName(`${lineage}-session-${operation}`, options.store)
    const name = builder.nodeName(`session-${operation}`, options.name)
    const emit = options.emit ?? 'update'
    const emittedStoreName = emit === 'final' ? builder.storeName(`${store}-emitted`) : undefined
    builder.graph.addProcessor(
      name,
      sessionAggregateProcessor({ storeName: store, windows: this.windows, aggregation, emit, emittedStoreName, onLateRecord: options.onLateRecord }),
      this.grouped.node,
    )
    builder.graph.addStateStore(
      { name: store, type: 'session', keySerde, valueSerde, logging: options.logging ?? true, backend: options.backend, retentionMs: this.windows.retentionMs },
      name,
    )
    if (emittedStoreName) {
      builder.graph.addStateStore({ name: emittedStoreName, type: 'keyValue', keySerde: stringSerde(), valueSerde: longSerde(), logging: options.logging ?? true, backend: options.backend }, name)
    }
    // A session is closed once stream time is past its end + gap + grace (it can no longer grow).
    const { inactivityGapMs, graceMs } = this.windows
    return new KTable<Windowed<K>, VA | null>(builder, name, lineage, windowedSerde(keySerde), nullableSerde(valueSerde), undefined, undefined, (key) => key.window.end + inactivityGapMs + graceMs + 1)
  }
}
