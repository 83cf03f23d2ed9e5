import type { Windowed } from '../base/windowed.js'
import type { AggregationSource } from './aggregation-source.js'
import type { AggregateOptions } from './kgrouped-stream.js'
import type { KTable } from './ktable.js'
import { untaggedLateRecords, type CogroupedValue } from './processors/cogroup-input.js'
import { aggregateUpdate, type Aggregator } from './processors/key-value-aggregate.js'
import { addSlidingWindowAggregate } from './sliding-windowed-kstream.js'
import type { SlidingWindows } from './sliding-windows.js'
import type { WindowedOptions } from './time-windowed-kstream.js'

/** A cogroup aggregated over sliding windows (Kafka Streams' windowedBy(SlidingWindows) of a cogroup). */
export class SlidingWindowedCogroupedKStream<K, VAgg> {
  /** @internal */
  constructor(
    private readonly source: AggregationSource<K, CogroupedValue>,
    private readonly aggregator: Aggregator<K, CogroupedValue, VAgg>,
    readonly windows: SlidingWindows,
  ) {}

  /** The aggregate per key and sliding window, as a grouped stream's sliding-window aggregate. */
  aggregate(initializer: () => VAgg, options: AggregateOptions<VAgg> & WindowedOptions<K, unknown>): KTable<Windowed<K>, VAgg> {
    const update = aggregateUpdate(initializer, this.aggregator)
    return addSlidingWindowAggregate(this.source, this.windows, 'sliding-aggregate', update, options.value, { ...options, onLateRecord: untaggedLateRecords(options.onLateRecord) })
  }
}
