import type { Windowed } from '../base/windowed.js'
import type { AggregationSource } from './aggregation-source.js'
import type { AggregateOptions } from './kgrouped-stream.js'
import type { KTable } from './ktable.js'
import { untaggedLateRecords, type CogroupedValue } from './processors/cogroup-input.js'
import type { Aggregator } from './processors/key-value-aggregate.js'
import { sessionAggregation, type Merger } from './processors/session-aggregate.js'
import { addSessionAggregate } from './session-windowed-kstream.js'
import type { SessionWindows } from './session-windows.js'
import type { WindowedOptions } from './time-windowed-kstream.js'

/**
 * A cogroup cut into sessions of activity per key (Kafka Streams' SessionWindowedCogroupedKStream):
 * a record of any input extends or merges the key's sessions. As for a grouped stream's
 * sessions, a merged-away session is deleted from the result (a `null` value).
 */
export class SessionWindowedCogroupedKStream<K, VAgg> {
  /** @internal */
  constructor(
    private readonly source: AggregationSource<K, CogroupedValue>,
    private readonly aggregator: Aggregator<K, CogroupedValue, VAgg>,
    readonly windows: SessionWindows,
  ) {}

  /**
   * The aggregate per session, from `initializer()`; when a record bridges sessions, `merger`
   * combines their aggregates first (as SessionWindowedKStream#aggregate).
   */
  aggregate(initializer: () => VAgg, merger: Merger<K, VAgg>, options: AggregateOptions<VAgg> & WindowedOptions<K, unknown>): KTable<Windowed<K>, VAgg | null> {
    const aggregation = sessionAggregation(initializer, this.aggregator, merger)
    return addSessionAggregate(this.source, this.windows, 'session-aggregate', aggregation, options.value, { ...options, onLateRecord: untaggedLateRecords(options.onLateRecord) })
  }
}
