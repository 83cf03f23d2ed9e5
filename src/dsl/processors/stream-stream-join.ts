import { checkEventTime } from '../../processor/event-time.js'
import type { InternalProcessorContext } from '../../processor/internal-processor-context.js'
import type { Processor, ProcessorSupplier } from '../../processor/processor.js'
import { Record } from '../../processor/record.js'
import type { KeyValueStore, WindowStore } from '../../state/store.js'
import type { JoinWindows } from '../join-windows.js'
import { unmatchedPrefix, type JoinSide, type UnmatchedKey, type UnmatchedValues } from './join-stores.js'
import { TimestampQueue } from './timestamp-queue.js'

export type StreamJoinKind = 'inner' | 'left' | 'outer'

export type { JoinSide } from './join-stores.js'

/** Called for a record dropped as late: its join window had closed (see streamStreamJoinProcessors). */
export type JoinLateRecordHandler<K, V, VO> = (record: Record<K, V | VO>, side: JoinSide) => void

export interface StreamStreamJoinOptions<K, V, VO, VR> {
  kind: StreamJoinKind
  windows: JoinWindows
  /** The window stores of this side's and the other side's records (both attached to both processors). */
  thisStoreName: string
  otherStoreName: string
  /** Left and outer joins: the key-value store of the records that have not joined yet. */
  unmatchedStoreName?: string
  /** Called with this side's value and the other side's; an unmatched record gets undefined for the missing one. */
  joiner: (value: V | undefined, otherValue: VO | undefined, key: K) => VR
  onLateRecord?: JoinLateRecordHandler<K, V, VO>
}

type JoinStore = WindowStore<unknown, readonly unknown[]>
type UnmatchedStore = KeyValueStore<UnmatchedKey<unknown>, UnmatchedValues>

/** What the two processors of one join share within one task. */
interface TaskJoinState {
  /** The largest timestamp either side has seen (restored from the stores after a restart). */
  streamTime: number
  /**
   * Per side, the keys of the unmatched store's entries by timestamp (loaded from the store
   * when the task starts), so that emitting takes point lookups, not scans; it costs memory for
   * each record waiting (look-ahead + grace at most). An entry deleted because its records
   * joined stays queued until due, and is then skipped.
   */
  readonly pending: { readonly this: TimestampQueue<unknown>; readonly other: TimestampQueue<unknown> }
  /** Both sides' work, one record at a time (a self-join hands one record to both). */
  tail: Promise<void>
}

/**
 * The two processors of a windowed stream-stream join, one per input stream, with Kafka Streams'
 * semantics (KStreamKStreamJoin since 3.1, without the spurious left/outer results of earlier
 * versions). Each side keeps its records in its own window store (changelogged, so a restarted
 * task restores them), keyed by the record's key at the record's timestamp; records of one key
 * and timestamp are kept together as a list. Left and outer joins also keep the records that
 * have not joined yet in a key-value store ordered by side and time (Kafka Streams' outer join
 * store), from which they are deleted once they join or are emitted.
 *
 * A record of this side at time t joins every record of the other side with the same key whose
 * timestamp lies in [t - before, t + after]; a record of the other side looks at this side's
 * records in the mirrored window [t - after, t + before]. A joined result has the key, the
 * larger of the two timestamps and the headers of the record that arrived second. Records with
 * a null key or value are ignored, as in Kafka Streams.
 *
 * Stream time is the largest timestamp either side of the join has seen. The rules below use a
 * record's look-ahead: `after` for this side's records, `before` for the other side's.
 *
 * - Late records: a record of either side with timestamp t is late when
 *   t + look-ahead + grace < stream time, i.e. stream time has passed the end of its window by
 *   more than the grace period (Kafka Streams: "only out-of-order records arriving more than the
 *   grace period after the window end will be dropped"). It is dropped: neither joined nor
 *   stored, counted in the task's lateRecordsDropped and handed to onLateRecord. Kafka Streams
 *   instead still joins such a record with what its stores hold until their retention drops it.
 * - Unmatched records (left join: this side's; outer join: both sides'): a record that has not
 *   joined is emitted with undefined for the missing side once its window has closed, which is
 *   Kafka Streams' rule: when t + look-ahead + grace < stream time (KStreamKStreamJoin's
 *   outer-join look-back: `windowsAfterMs` for the left side, `windowsBeforeMs` for the
 *   right side), checked when a record moves stream time, before that record is joined. It
 *   carries its own timestamp and no headers. A record that joins in time is never emitted
 *   unmatched. Kafka Streams emits an out-of-order unmatched record at once when its window end
 *   (t + look-ahead) is already behind stream time; here it waits for its window to close like
 *   any other, so that a match arriving within the grace period still suppresses it. Kafka
 *   Streams also checks for due records at most once per second of wall-clock time (an internal
 *   setting); here every record that moves stream time checks.
 *   Records more than `grace` behind stream time may still join a record emitted unmatched
 *   already (as in Kafka Streams): choose a grace period that covers the inputs' disorder.
 * - Emission order: by timestamp, this side before the other at equal timestamps.
 *
 * Records stay in the window stores until the retention (JoinWindows.retentionMs) has passed.
 */
export function streamStreamJoinProcessors<K, V, VO, VR>(
  options: StreamStreamJoinOptions<K, V, VO, VR>,
): { thisSide: ProcessorSupplier<K, V, K, VR>; otherSide: ProcessorSupplier<K, VO, K, VR> } {
  const { windows, kind } = options
  // One state per task: both processors of a task see the same store instances.
  const states = new WeakMap<object, TaskJoinState>()
  const tracksUnmatched = { this: kind !== 'inner', other: kind === 'outer' }
  if (kind !== 'inner' && options.unmatchedStoreName === undefined) throw new Error(`a ${kind} join needs a store for its unmatched records`)
  const lookAhead = { this: windows.afterMs, other: windows.beforeMs }
  const lookBack = { this: windows.beforeMs, other: windows.afterMs }

  const side = <VThis, VOther>(own: JoinSide): ProcessorSupplier<K, VThis, K, VR> => {
    const opposite: JoinSide = own === 'this' ? 'other' : 'this'
    const join = (ownValue: VThis | undefined, otherValue: VOther | undefined, key: K): VR =>
      own === 'this'
        ? options.joiner(ownValue as unknown as V | undefined, otherValue as unknown as VO | undefined, key)
        : options.joiner(otherValue as unknown as V | undefined, ownValue as unknown as VO | undefined, key)
    return () => {
      let context: InternalProcessorContext<K, VR>
      let stores: { this: JoinStore; other: JoinStore }
      let unmatched: UnmatchedStore | undefined
      let state: TaskJoinState

      /** Emits (and forgets) the unmatched records of every tracked side whose windows stream time has closed. */
      const emitUnmatched = (store: UnmatchedStore): void => {
        const due: { side: JoinSide; key: K; timestamp: number; value: unknown }[] = []
        for (const candidate of ['this', 'other'] as const) {
          if (!tracksUnmatched[candidate]) continue
          const bound = state.streamTime - lookAhead[candidate] - windows.graceMs - 1
          const queue = state.pending[candidate]
          for (let next = queue.peekTimestamp(); next !== undefined && next <= bound; next = queue.peekTimestamp()) {
            const { timestamp, item } = queue.take() as { timestamp: number; item: unknown }
            const key: UnmatchedKey<unknown> = { side: candidate, timestamp, key: item }
            const entry = store.get(key)
            if (entry === undefined) continue
            store.delete(key)
            for (const value of entry.values) due.push({ side: candidate, key: item as K, timestamp, value })
          }
        }
        // Stable: within one timestamp this side's records come first, each side's in arrival order.
        due.sort((a, b) => a.timestamp - b.timestamp || (a.side === b.side ? 0 : a.side === 'this' ? -1 : 1))
        for (const record of due) {
          const value = record.side === own ? join(record.value as VThis, undefined, record.key) : join(undefined, record.value as VOther, record.key)
          context.forward(new Record(record.key, value, record.timestamp))
        }
      }

      const handle = async (record: Record<K, VThis>): Promise<void> => {
        const t = record.timestamp
        if (t + lookAhead[own] + windows.graceMs < state.streamTime) {
          context.metrics.lateRecordsDropped++
          options.onLateRecord?.(record as unknown as Record<K, V | VO>, own)
          return
        }
        if (t > state.streamTime) {
          state.streamTime = t
          if (unmatched) emitUnmatched(unmatched)
        }
        let matched = false
        const to = t + lookAhead[own]
        if (to >= 0) {
          for await (const { key: windowed, value: values } of stores[opposite].fetchRange(record.key, Math.max(0, t - lookBack[own]), to)) {
            const otherTime = windowed.window.start
            for (const value of values) {
              matched = true
              context.forward(record.withValue(join(record.value, value as VOther, record.key)).withTimestamp(Math.max(t, otherTime)))
            }
            // The other side's records at that time have joined now: none of them is emitted unmatched.
            if (unmatched && tracksUnmatched[opposite]) {
              const key: UnmatchedKey<unknown> = { side: opposite, timestamp: otherTime, key: record.key }
              if (unmatched.get(key) !== undefined) unmatched.delete(key)
            }
          }
        }
        stores[own].put(record.key, [...(stores[own].fetch(record.key, t) ?? []), record.value], t)
        if (unmatched && tracksUnmatched[own] && !matched) {
          const key: UnmatchedKey<unknown> = { side: own, timestamp: t, key: record.key }
          const existing = unmatched.get(key)
          unmatched.put(key, { side: own, values: [...(existing?.values ?? []), record.value] })
          if (existing === undefined) state.pending[own].add(t, record.key)
        }
      }

      const processor: Processor<K, VThis, K, VR> = {
        init: async (ctx) => {
          context = ctx as InternalProcessorContext<K, VR>
          stores = { this: ctx.getStateStore<JoinStore>(options.thisStoreName), other: ctx.getStateStore<JoinStore>(options.otherStoreName) }
          unmatched = options.unmatchedStoreName === undefined ? undefined : ctx.getStateStore<UnmatchedStore>(options.unmatchedStoreName)
          const known = states.get(stores.this)
          if (known) {
            state = known
            return
          }
          const pending = { this: new TimestampQueue(), other: new TimestampQueue() }
          // The records still unmatched when the task last stopped (restored with the store);
          // records wait for this in `tail`.
          const load = async (store: UnmatchedStore): Promise<void> => {
            for (const candidate of ['this', 'other'] as const) {
              for await (const { key } of store.prefixScan(unmatchedPrefix(candidate))) pending[candidate].add(key.timestamp, key.key)
            }
          }
          state = { streamTime: Math.max(observedStreamTime(stores.this), observedStreamTime(stores.other)), pending, tail: unmatched ? load(unmatched) : Promise.resolve() }
          states.set(stores.this, state)
          await state.tail
        },
        process: (record) => {
          if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) return
          // A processor upstream may have set this time (withTimestamp): a garbage one would close every window.
          const invalid = checkEventTime(record.timestamp, context.latestPlausibleTimestampMs())
          if (invalid) throw invalid
          const result = state.tail.then(() => handle(record))
          state.tail = result.catch(() => undefined)
          return result
        },
      }
      return processor
    }
  }

  return { thisSide: side<V, VO>('this'), otherSide: side<VO, V>('other') }
}

/** The largest timestamp a window store holds (its observed stream time), or -1. */
function observedStreamTime(store: object): number {
  const observed = (store as { observedStreamTime?: unknown }).observedStreamTime
  return typeof observed === 'number' ? observed : -1
}
