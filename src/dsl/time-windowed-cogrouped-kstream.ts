import type { Windowed } from '../base/windowed.js'
import type { AggregationSource } from './aggregation-source.js'
import type { AggregateOptions } from './kgrouped-stream.js'
import type { KTable } from './ktable.js'
import { untaggedLateRecords, type CogroupedValue } from './processors/cogroup-input.js'
import { aggregateUpdate, type Aggregator } from './processors/key-value-aggregate.js'
import { addTimeWindowAggregate, type WindowedOptions } from './time-windowed-kstream.js'
import type { TimeWindows } from './time-windows.js'

/** A cogroup cut into tumbling or hopping windows (Kafka Streams' TimeWindowedCogroupedKStream). */
export class TimeWindowedCogroupedKStream<K, VAgg> {
  /** @internal */
  constructor(
    private readonly source: AggregationSource<K, CogroupedValue>,
    private readonly aggregator: Aggregator<K, CogroupedValue, VAgg>,
    readonly windows: TimeWindows,
  ) {}

  /**
   * The aggregate per key and window, from `initializer()` for a window's first record; emit
   * and late records as for a grouped stream's windowed aggregate (a late record is handed to
   * `onLateRecord` with its input's value).
   */
  aggregate(initializer: () => VAgg, options: AggregateOptions<VAgg> & WindowedOptions<K, unknown>): KTable<Windowed<K>, VAgg> {
    const update = aggregateUpdate(initializer, this.aggregator)
    return addTimeWindowAggregate(this.source, this.windows, 'windowed-aggregate', update, options.value, { ...options, onLateRecord: untaggedLateRecords(options.onLateRecord) })
  }
}
