import type { Windowed } from '../../base/windowed.js'
import { checkEventTime } from '../../processor/event-time.js'
import type { InternalProcessorContext } from '../../processor/internal-processor-context.js'
import type { Processor, ProcessorSupplier } from '../../processor/processor.js'
import type { CachingProcessor } from '../../processor/processor-capabilities.js'
import { Record } from '../../processor/record.js'
import type { KeyValue, KeyValueStore, SessionStore } from '../../state/store.js'
import type { SessionWindows } from '../session-windows.js'
import type { Aggregator } from './key-value-aggregate.js'
import { cacheIdOf, UpdateCache } from './update-cache.js'
import type { EmitStrategy, LateRecordHandler } from './window-aggregate.js'

/** How a session aggregation starts, adds a record and merges sessions (count, reduce and aggregate differ only here). */
export interface SessionAggregation<K, V, VA> {
  /** What a session's aggregate starts from; undefined for reduce, whose first value is its aggregate. */
  readonly initializer: () => VA | undefined
  readonly aggregator: (key: K, value: V, aggregate: VA | undefined) => VA
  /** Folds a merged session's aggregate into the one gathered so far (undefined before the first, for reduce). */
  readonly merger: (key: K, aggregate: VA | undefined, session: VA) => VA
}

/** Kafka Streams' Merger: one aggregate from two sessions' aggregates. */
export type Merger<K, VA> = (key: K, aggregateOne: VA, aggregateTwo: VA) => VA

/** aggregate(): a session starts from `initializer()`; the sessions a record bridges are folded with `merger` first. */
export function sessionAggregation<K, V, VA>(initializer: () => VA, aggregator: Aggregator<K, V, VA>, merger: Merger<K, VA>): SessionAggregation<K, V, VA> {
  return {
    initializer,
    aggregator: (key, value, aggregate) => aggregator(key, value, aggregate === undefined ? initializer() : aggregate),
    merger: (key, aggregate, session) => merger(key, aggregate === undefined ? initializer() : aggregate, session),
  }
}

export interface SessionAggregateOptions<K, V, VA> {
  storeName: string
  windows: SessionWindows
  aggregation: SessionAggregation<K, V, VA>
  emit: EmitStrategy
  /** For emit 'final': a key-value store remembering up to which session end results were emitted. */
  emittedStoreName?: string
  onLateRecord?: LateRecordHandler<K, V>
}

const EMITTED_UP_TO = 'emitted-up-to'

/**
 * Session count / aggregate / reduce, with Kafka Streams' rules (KStreamSessionWindowAggregate
 * since 3.x):
 *
 * - close time = stream time - inactivity gap - grace. A session is closed once its end is
 *   before the close time (end + gap + grace < stream time) and never changes again; one that
 *   ends exactly at the close time is no longer joined either (Kafka Streams' session store
 *   retains gap + grace behind stream time and finds it no more), though a record whose own
 *   session ends there is still accepted.
 * - A record at t looks up the key's sessions that end at or after t - gap and start at or
 *   before t + gap: the sessions it is within the gap of (exactly gap apart included). Their
 *   aggregates are merged (the merger, oldest session first) with the initializer's, and the
 *   record's session is [t, t] widened to cover them all.
 * - The record is late, and dropped, when that session's end is before the close time: for a
 *   record that joins no session, when t + gap + grace < stream time. A late record is counted
 *   in the task's lateRecordsDropped and handed to onLateRecord with the session it would have
 *   made; nothing is written or forwarded.
 * - Otherwise the sessions merged away are removed from the store and, with emit 'update', a
 *   tombstone (a null value, timestamped with the old session's end) is forwarded for each;
 *   the record is aggregated into the merged aggregate, which is stored and forwarded under the
 *   merged session's key, timestamped with the session's end.
 *
 * Two differences from Kafka Streams, both where its result depends on its store rather than
 * on the data: a closed session is never joined, even while the store still holds it (Kafka
 * Streams joins it if its store has not expired it yet, which depends on which keys came
 * last and on the store's segments), and a session the record falls inside is updated in
 * place, with no tombstone for its own key just before the update (Kafka Streams forwards both
 * when its cache is off).
 *
 * With emit 'update', updates wait in an UpdateCache until the task commits. With emit 'final'
 * each session is forwarded once, when stream time closes it (timestamped with its end), in
 * order of end; sessions merged away before closing are never forwarded, nor are tombstones.
 */
export function sessionAggregateProcessor<K, V, VA>(options: SessionAggregateOptions<K, V, VA>): ProcessorSupplier<K, V, Windowed<K>, VA | null> {
  const { windows, aggregation } = options
  const gap = windows.inactivityGapMs
  return () => {
    let context: InternalProcessorContext<Windowed<K>, VA | null>
    let store: SessionStore<K, VA>
    let emitted: KeyValueStore<string, number> | undefined
    let emittedUpTo = -1
    let updates: UpdateCache<Windowed<K>, VA | null>

    const forwardUpdate = (keyId: string | undefined, session: Windowed<K>, value: VA | null, headers: Record<K, V>['headers']): void => {
      if (options.emit !== 'update') return
      const { start, end } = session.window
      updates.add(keyId === undefined ? undefined : `${keyId}@${start}-${end}`, new Record<Windowed<K>, VA | null>(session, value, end, headers))
    }

    const aggregate = async (record: Record<K, V>, closeTime: number): Promise<void> => {
      const { key, timestamp } = record
      const joined: KeyValue<Windowed<K>, VA>[] = []
      for await (const session of store.findSessions(key, Math.max(0, timestamp - gap), timestamp + gap)) {
        // A closed session is final: the record starts a session of its own instead. One that
        // ends exactly at the close time is past Kafka Streams' store retention (gap + grace)
        // and no longer found there either (checked by npm run conformance).
        if (session.key.window.end > closeTime) joined.push(session)
      }
      let start = timestamp
      let end = timestamp
      let merged = aggregation.initializer()
      for (const session of joined) {
        merged = aggregation.merger(key, merged, session.value)
        start = Math.min(start, session.key.window.start)
        end = Math.max(end, session.key.window.end)
      }
      if (end < closeTime) {
        context.metrics.lateRecordsDropped++
        options.onLateRecord?.(record, [{ start, end }])
        return
      }
      const keyId = options.emit === 'update' && updates.holdsUpdates ? cacheIdOf(key) : undefined
      for (const session of joined) {
        if (session.key.window.start === start && session.key.window.end === end) continue
        store.remove(session.key)
        forwardUpdate(keyId, session.key, null, record.headers)
      }
      const next = aggregation.aggregator(key, record.value, merged)
      const sessionKey: Windowed<K> = { key, window: { start, end } }
      store.put(sessionKey, next)
      forwardUpdate(keyId, sessionKey, next, record.headers)
    }

    /** Forwards every session that ended up to `upTo` and was not forwarded yet, before the store can expire them. */
    const emitClosedSessions = async (upTo: number): Promise<void> => {
      const results: Record<Windowed<K>, VA>[] = []
      for await (const { key, value } of store.findAllSessions(emittedUpTo + 1, upTo)) results.push(new Record(key, value, key.window.end))
      results.sort((a, b) => a.key.window.end - b.key.window.end || a.key.window.start - b.key.window.start)
      for (const result of results) context.forward(result)
      emittedUpTo = upTo
      emitted?.put(EMITTED_UP_TO, upTo)
    }

    const processor: CachingProcessor & Processor<K, V, Windowed<K>, VA | null> = {
      init: (ctx) => {
        context = ctx as InternalProcessorContext<Windowed<K>, VA | null>
        updates = new UpdateCache(context.updateCacheMaxEntries, (update) => context.forward(update), context.updateCacheMaxBytes, context.metrics)
        store = ctx.getStateStore<SessionStore<K, VA>>(options.storeName)
        if (options.emittedStoreName) {
          emitted = ctx.getStateStore<KeyValueStore<string, number>>(options.emittedStoreName)
          emittedUpTo = emitted.get(EMITTED_UP_TO) ?? -1
        }
      },
      forwardCached: () => updates.forwardAll(),
      process: (record) => {
        // A processor upstream may have set the time (withTimestamp): a garbage time here would
        // close and expire every session in the store.
        const invalid = checkEventTime(record.timestamp, context.latestPlausibleTimestampMs())
        if (invalid) throw invalid
        const closeTime = context.currentStreamTimeMs() - gap - windows.graceMs
        if (options.emit === 'final' && closeTime - 1 > emittedUpTo) return emitClosedSessions(closeTime - 1).then(() => aggregate(record, closeTime))
        return aggregate(record, closeTime)
      },
    }
    return processor
  }
}
