import type { TimeWindow, Windowed } from '../../base/windowed.js'
import { checkEventTime } from '../../processor/event-time.js'
import type { InternalProcessorContext } from '../../processor/internal-processor-context.js'
import type { Processor, ProcessorSupplier } from '../../processor/processor.js'
import type { CachingProcessor } from '../../processor/processor-capabilities.js'
import { Record } from '../../processor/record.js'
import type { ValueAndTimestamp } from '../../serde/value-and-timestamp.js'
import type { KeyValueStore, WindowStore } from '../../state/store.js'
import type { SlidingWindows } from '../sliding-windows.js'
import type { AggregateUpdate } from './key-value-aggregate.js'
import { cacheIdOf, UpdateCache } from './update-cache.js'
import type { EmitStrategy, LateRecordHandler } from './window-aggregate.js'

export interface SlidingWindowAggregateOptions<K, V, VA> {
  /** A window store of window size D holding each window's aggregate and latest record time. */
  storeName: string
  windows: SlidingWindows
  update: AggregateUpdate<K, V, VA>
  emit: EmitStrategy
  /** For emit 'final': a key-value store remembering up to which window start results were emitted. */
  emittedStoreName?: string
  onLateRecord?: LateRecordHandler<K, V>
}

const EMITTED_UP_TO = 'emitted-up-to'

/**
 * Sliding-window count / aggregate / reduce with Kafka Streams' semantics (KIP-450,
 * KStreamSlidingWindowAggregate). Per key, with time difference D, the windows that exist are
 * the left window [t - D, t] of every record time t ([0, D] when t < D) and the right window
 * [t + 1, t + 1 + D] of every record time t that another record follows within D + 1; each
 * holds the aggregate of exactly the records in it (both ends inclusive) and the time of its
 * latest record. A record at t, with close time = stream time - grace:
 *
 * - is dropped whole when every window it could be in is closed: t + D < close time;
 * - is aggregated into every existing window that holds it (start <= t <= start + D);
 * - creates its left window if missing, from the aggregate of the latest-starting window that
 *   ends before t when the previous record (the latest one before t) is within D of t (that
 *   window holds exactly the records in [t - D, t)), else from nothing;
 * - creates the previous record's right window if missing and t falls in it, holding t only;
 * - creates its own right window if missing and records follow it within D + 1: the aggregate
 *   of the latest-starting window holding t that ends after t (exactly those records), as it
 *   was before t came, with that window's latest record time;
 * - never writes a closed window (end < close time): a record that falls in closed windows
 *   (but not only in them) updates the open ones, and counts as late once, with the closed
 *   windows handed to onLateRecord, as for time windows.
 *
 * Windows are written and forwarded in order of start, timestamped with their latest record's
 * time. With emit 'update' updates wait in an UpdateCache until the task commits; with emit
 * 'final' each window is forwarded once, when stream time closes it.
 */
export function slidingWindowAggregateProcessor<K, V, VA>(options: SlidingWindowAggregateOptions<K, V, VA>): ProcessorSupplier<K, V, Windowed<K>, VA> {
  const { windows, update } = options
  const D = windows.timeDifferenceMs
  return () => {
    let context: InternalProcessorContext<Windowed<K>, VA>
    let store: WindowStore<K, ValueAndTimestamp<VA>>
    let emitted: KeyValueStore<string, number> | undefined
    let emittedUpTo = -1
    let updates: UpdateCache<Windowed<K>, VA>

    const late = (record: Record<K, V>, closed: TimeWindow[]): void => {
      context.metrics.lateRecordsDropped++
      options.onLateRecord?.(record, closed)
    }

    const aggregate = async (record: Record<K, V>, closeTime: number): Promise<void> => {
      const { key, timestamp: t } = record
      const early = t < D
      const leftStart = early ? 0 : t - D
      if (t + D < closeTime) return late(record, [{ start: leftStart, end: leftStart + D }])

      // The record's left window, if it exists; the latest-starting window ending before t;
      // the latest-starting window holding t and ending after it; the windows holding t.
      let left: ValueAndTimestamp<VA> | undefined
      let before: ValueAndTimestamp<VA> | undefined
      let after: ValueAndTimestamp<VA> | undefined
      const holding: { start: number; value: ValueAndTimestamp<VA> }[] = []
      const starts = new Set<number>()
      for await (const { key: windowed, value } of store.fetchRange(key, early ? 0 : Math.max(0, t - 2 * D), t + 1)) {
        const start = windowed.window.start
        starts.add(start)
        if (start === t + 1) continue
        if (start === leftStart) {
          left = value
          holding.push({ start, value })
        } else if (start + D < t) {
          before = value
        } else {
          after = value
          holding.push({ start, value })
        }
      }
      // The latest record before t, where a window tells it.
      const previous = left !== undefined && left.timestamp < t ? left.timestamp : early ? undefined : before?.timestamp

      const writes = new Map<number, ValueAndTimestamp<VA>>()
      const closed: TimeWindow[] = []
      const add = (start: number, base: ValueAndTimestamp<VA> | undefined): void => {
        if (start + D < closeTime) {
          closed.push({ start, end: start + D })
          return
        }
        writes.set(start, { value: update(key, record.value, base?.value), timestamp: base === undefined ? t : Math.max(base.timestamp, t) })
      }
      for (const { start, value } of holding) add(start, value)
      if (previous !== undefined && !starts.has(previous + 1) && previous + 1 + D >= t) {
        starts.add(previous + 1)
        add(previous + 1, undefined)
      }
      if (left === undefined && !starts.has(leftStart)) {
        starts.add(leftStart)
        add(leftStart, !early && previous !== undefined && previous >= t - D ? before : undefined)
      }
      if (!starts.has(t + 1)) {
        // Near the epoch [0, D] may hold the records after t: it is then the only window that does.
        const right = after ?? (early ? left : undefined)
        if (right !== undefined && right.timestamp > t) writes.set(t + 1, right)
      }

      const keyId = options.emit === 'update' && updates.holdsUpdates ? cacheIdOf(key) : undefined
      for (const start of [...writes.keys()].sort((a, b) => a - b)) {
        const value = writes.get(start) as ValueAndTimestamp<VA>
        store.put(key, value, start)
        if (options.emit === 'update') {
          updates.add(keyId === undefined ? undefined : `${keyId}@${start}`, new Record({ key, window: { start, end: start + D } }, value.value, value.timestamp, record.headers))
        }
      }
      if (closed.length > 0) late(record, closed.sort((a, b) => a.start - b.start))
    }

    /** Forwards every window closed since the last call (starts up to `upTo`), oldest first, before they can expire. */
    const emitClosedWindows = async (upTo: number): Promise<void> => {
      const results: Record<Windowed<K>, VA>[] = []
      for await (const { key, value } of store.fetchAll(emittedUpTo + 1, upTo)) results.push(new Record(key, value.value, value.timestamp))
      results.sort((a, b) => a.key.window.start - b.key.window.start)
      for (const result of results) context.forward(result)
      emittedUpTo = upTo
      emitted?.put(EMITTED_UP_TO, upTo)
    }

    const processor: CachingProcessor & Processor<K, V, Windowed<K>, VA> = {
      init: (ctx) => {
        context = ctx as InternalProcessorContext<Windowed<K>, VA>
        updates = new UpdateCache(context.updateCacheMaxEntries, (update) => context.forward(update), context.updateCacheMaxBytes, context.metrics)
        store = ctx.getStateStore<WindowStore<K, ValueAndTimestamp<VA>>>(options.storeName)
        if (options.emittedStoreName) {
          emitted = ctx.getStateStore<KeyValueStore<string, number>>(options.emittedStoreName)
          emittedUpTo = emitted.get(EMITTED_UP_TO) ?? -1
        }
      },
      forwardCached: () => updates.forwardAll(),
      process: (record) => {
        // A processor upstream may have set the time (withTimestamp): a garbage time here would
        // close and expire every window in the store.
        const invalid = checkEventTime(record.timestamp, context.latestPlausibleTimestampMs())
        if (invalid) throw invalid
        const closeTime = context.currentStreamTimeMs() - windows.graceMs
        // Windows starting up to here end before the close time.
        const upTo = closeTime - D - 1
        if (options.emit === 'final' && upTo > emittedUpTo) return emitClosedWindows(upTo).then(() => aggregate(record, closeTime))
        return aggregate(record, closeTime)
      },
    }
    return processor
  }
}
