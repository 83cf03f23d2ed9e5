import type { Windowed } from '../base/windowed.js'
import { TopologyError } from '../errors.js'
import { longSerde } from '../serde/numbers.js'
import { nullableSerde } from '../serde/nullable.js'
import type { Serde } from '../serde/serde.js'
import { windowedSerde } from '../serde/windowed.js'
import { groupedSource, type AggregationSource } from './aggregation-source.js'
import { addWindowedAggregate } from './windowed-aggregation.js'
import type { AggregateOptions, KGroupedStream, MaterializedOptions, ReduceOptions } from './kgrouped-stream.js'
import { KTable } from './ktable.js'
import { sessionAggregateProcessor, sessionAggregation, type SessionAggregation } from './processors/session-aggregate.js'
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
    return this.aggregateWith('aggregate', sessionAggregation(initializer, aggregator, merger), options.value, options)
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
    return addSessionAggregate(groupedSource(this.grouped), this.windows, `session-${operation}`, aggregation, valueSerde, options)
  }
}

/** @internal A session count / aggregate / reduce of a grouped stream or a cogroup, into a session store. */
export function addSessionAggregate<K, V, VA>(
  source: AggregationSource<K, V>,
  windows: SessionWindows,
  operation: string,
  aggregation: SessionAggregation<K, V, VA>,
  valueSerde: Serde<VA>,
  options: MaterializedOptions & WindowedOptions<K, V>,
): KTable<Windowed<K>, VA | null> {
  const { builder, keySerde, lineage } = source
  // A session is closed once stream time is past its end + gap + grace (it can no longer grow).
  const closesAt = (key: Windowed<K>) => key.window.end + windows.inactivityGapMs + windows.graceMs + 1
  return addWindowedAggregate(source, operation, options, {
    processor: (stores) => sessionAggregateProcessor({ ...stores, windows, aggregation, onLateRecord: options.onLateRecord }),
    store: { type: 'session', keySerde, valueSerde, retentionMs: windows.retentionMs },
    table: (node) => new KTable<Windowed<K>, VA | null>(builder, node, lineage, windowedSerde(keySerde), nullableSerde(valueSerde), undefined, undefined, closesAt),
  })
}
