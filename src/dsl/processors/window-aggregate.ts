import type { Processor, ProcessorSupplier } from '../../processor/processor.js'
import { checkEventTime } from '../../processor/event-time.js'
import { Record } from '../../processor/record.js'
import type { InternalProcessorContext } from '../../processor/internal-processor-context.js'
import type { CachingProcessor, PrefetchingProcessor } from '../../processor/processor-capabilities.js'
import type { KeyValueStore, StateStore, WindowStore } from '../../state/store.js'
import type { TimeWindow, Windowed } from '../../base/windowed.js'
import type { TimeWindows } from '../time-windows.js'
import type { AggregateUpdate } from './key-value-aggregate.js'
import { cacheIdOf, UpdateCache } from './update-cache.js'

/** Called for a record that arrived after (some of) its windows had closed. */
export type LateRecordHandler<K, V> = (record: Record<K, V>, closedWindows: readonly TimeWindow[]) => void

export type EmitStrategy = 'update' | 'final'

type PrefetchingWindowStore<K, V> = WindowStore<K, V> & { prefetch(entries: readonly { key: K; windowStart: number }[]): Promise<void> }

export interface WindowAggregateOptions<K, V, VA> {
  storeName: string
  windows: TimeWindows
  update: AggregateUpdate<K, V, VA>
  emit: EmitStrategy
  /** For emit 'final': a key-value store remembering up to which window start results were emitted. */
  emittedStoreName?: string
  onLateRecord?: LateRecordHandler<K, V>
}

const EMITTED_UP_TO = 'emitted-up-to'

/** Loads the windows a batch's records will update with one multi-get, so that fetch() never waits. */
export function prefetchWindows(windows: TimeWindows): (store: StateStore, records: readonly Record<unknown, unknown>[]) => Promise<void> {
  return (store, records) =>
    (store as PrefetchingWindowStore<unknown, unknown>).prefetch(records.flatMap((record) => windows.windowStartsFor(record.timestamp).map((windowStart) => ({ key: record.key, windowStart }))))
}

/**
 * Windowed count / aggregate / reduce. A record updates every window containing its timestamp
 * that is still open; for windows already closed it is dropped, counted in the task's metrics
 * and handed to onLateRecord. With emit 'update', updates wait in an UpdateCache until the
 * task commits; with emit 'final', results are forwarded once, when stream time closes the window.
 */
export function windowAggregateProcessor<K, V, VA>(options: WindowAggregateOptions<K, V, VA>): ProcessorSupplier<K, V, Windowed<K>, VA> {
  const { windows, update } = options
  const prefetch = prefetchWindows(windows)
  return () => {
    let context: InternalProcessorContext<Windowed<K>, VA>
    let store: WindowStore<K, VA>
    let emitted: KeyValueStore<string, number> | undefined
    let emittedUpTo = -1
    let updates: UpdateCache<Windowed<K>, VA>

    const aggregate = (record: Record<K, V>): void => {
      const streamTime = context.currentStreamTimeMs()
      const closed: TimeWindow[] = []
      const keyId = options.emit === 'update' && updates.holdsUpdates ? cacheIdOf(record.key) : undefined
      for (const start of windows.windowStartsFor(record.timestamp)) {
        const window = { start, end: start + windows.sizeMs }
        if (windows.isClosed(start, streamTime)) {
          closed.push(window)
          continue
        }
        const next = update(record.key, record.value, store.fetch(record.key, start))
        store.put(record.key, next, start)
        if (options.emit === 'update') updates.add(keyId === undefined ? undefined : `${keyId}@${start}`, new Record({ key: record.key, window }, next, record.timestamp, record.headers))
      }
      if (closed.length > 0) {
        context.metrics.lateRecordsDropped++
        options.onLateRecord?.(record, closed)
      }
    }

    /** Forwards every window closed since the last call, oldest first, before they can expire. */
    const emitClosedWindows = async (upTo: number): Promise<void> => {
      const streamTime = context.currentStreamTimeMs()
      const results: Record<Windowed<K>, VA>[] = []
      for await (const { key, value } of store.fetchAll(emittedUpTo + 1, upTo)) results.push(new Record(key, value, streamTime))
      results.sort((a, b) => a.key.window.start - b.key.window.start)
      for (const result of results) context.forward(result)
      emittedUpTo = upTo
      emitted?.put(EMITTED_UP_TO, upTo)
    }

    const processor: PrefetchingProcessor & CachingProcessor & Processor<K, V, Windowed<K>, VA> = {
      init: (ctx) => {
        context = ctx as InternalProcessorContext<Windowed<K>, VA>
        updates = new UpdateCache(context.updateCacheMaxEntries, (update) => context.forward(update), context.updateCacheMaxBytes, context.metrics)
        store = ctx.getStateStore<WindowStore<K, VA>>(options.storeName)
        if (options.emittedStoreName) {
          emitted = ctx.getStateStore<KeyValueStore<string, number>>(options.emittedStoreName)
          emittedUpTo = emitted.get(EMITTED_UP_TO) ?? -1
        }
      },
      forwardCached: () => updates.forwardAll(),
      prefetch: (records) => prefetch(store, records),
      process: (record) => {
        // Sources check event times, but a processor upstream may have set this one
        // (withTimestamp): a garbage time here would expire every window in the store.
        const invalid = checkEventTime(record.timestamp, context.latestPlausibleTimestampMs())
        if (invalid) throw invalid
        if (options.emit === 'final') {
          const upTo = lastClosedWindowStart(windows, context.currentStreamTimeMs())
          if (upTo > emittedUpTo) return emitClosedWindows(upTo).then(() => aggregate(record))
        }
        aggregate(record)
      },
    }
    return processor
  }
}

/** The start of the newest window that stream time has closed, or -1 if none has closed. */
function lastClosedWindowStart(windows: TimeWindows, streamTimeMs: number): number {
  const bound = streamTimeMs - windows.sizeMs - windows.graceMs
  if (bound < 0) return -1
  return bound - (bound % windows.advanceMs)
}
