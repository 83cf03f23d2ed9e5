import type { Processor, ProcessorContext, ProcessorSupplier } from '../../processor/processor.js'
import { Record } from '../../processor/record.js'
import type { Headers } from '../../serde/serde.js'
import type { KeyValueStore } from '../../state/store.js'
import type { Suppressed } from '../suppressed.js'
import type { SuppressedEntry } from './suppressed-entry.js'
import { TimestampQueue } from './timestamp-queue.js'

export interface SuppressOptions<K> {
  storeName: string
  suppressed: Suppressed
  /** until-window-closes: the stream time at which a key's window closes (its end plus grace). */
  windowCloseMs?: (key: K) => number
  /** The key's identity in the buffer (its serialized bytes as text). */
  keyId: (key: K) => string
  /** Bytes a buffered update takes, for the buffer's byte bound (key and value as serialized). */
  entryBytes: (key: K, value: unknown) => number
}

interface Buffered<K, V> extends SuppressedEntry<V> {
  readonly key: K
  readonly headers: Headers
  readonly bytes: number
}

/**
 * KTable#suppress: holds a table's updates back, the latest per key, in a changelogged store,
 * and forwards each key's value once stream time reaches its emit time: the window's close
 * (untilWindowCloses) or the first buffered update's time plus the limit (untilTimeLimit).
 * Emit times are kept in a min-heap (stale heap entries are skipped), so a record costs
 * O(log n). A full buffer forwards its oldest entries early, or stops the task, as configured.
 */
export function suppressProcessor<K, V>(options: SuppressOptions<K>): ProcessorSupplier<K, V | null, K, V | null> {
  const { suppressed } = options
  const { maxRecords, maxBytes } = suppressed.buffer
  const whenFull = suppressed.buffer.whenFull ?? 'shut-down'
  return () => {
    let context: ProcessorContext<K, V | null>
    let store: KeyValueStore<K, SuppressedEntry<V>>
    const buffered = new Map<string, Buffered<K, V>>()
    const queue = new TimestampQueue<string>()
    let bufferedBytes = 0

    const remember = (id: string, entry: Buffered<K, V>): void => {
      const previous = buffered.get(id)
      bufferedBytes += entry.bytes - (previous?.bytes ?? 0)
      buffered.set(id, entry)
      if (previous?.emitAtMs !== entry.emitAtMs) queue.add(entry.emitAtMs, id)
    }

    const emit = (id: string, entry: Buffered<K, V>): void => {
      buffered.delete(id)
      bufferedBytes -= entry.bytes
      store.delete(entry.key)
      context.forward(new Record(entry.key, entry.value, entry.timestamp, entry.headers))
    }

    /** The oldest live entry of the heap (its emit time first), skipping those replaced or forwarded. */
    const takeOldest = (upTo: number): [string, Buffered<K, V>] | undefined => {
      for (let next = queue.peekTimestamp(); next !== undefined && next <= upTo; next = queue.peekTimestamp()) {
        const taken = queue.take()
        if (!taken) return undefined
        const entry = buffered.get(taken.item)
        if (entry !== undefined && entry.emitAtMs === taken.timestamp) return [taken.item, entry]
      }
      return undefined
    }

    const emitDue = (streamTimeMs: number): void => {
      for (let due = takeOldest(streamTimeMs); due; due = takeOldest(streamTimeMs)) emit(...due)
    }

    const overBounds = (): boolean => (maxRecords !== undefined && buffered.size > maxRecords) || (maxBytes !== undefined && bufferedBytes > maxBytes)

    const enforceBounds = (): void => {
      while (overBounds()) {
        if (whenFull === 'shut-down') {
          throw new Error(`the suppression buffer ${options.storeName} is full (${buffered.size} keys, ${bufferedBytes} bytes; bounds ${maxRecords ?? 'none'} keys, ${maxBytes ?? 'none'} bytes): raise its bounds or let it emit early`)
        }
        const oldest = takeOldest(Infinity)
        if (!oldest) return
        emit(...oldest)
      }
    }

    const processor: Processor<K, V | null, K, V | null> = {
      init: async (ctx) => {
        context = ctx
        store = ctx.getStateStore<KeyValueStore<K, SuppressedEntry<V>>>(options.storeName)
        // The buffer survives restarts in its store (restored from its changelog): index it again.
        for await (const { key, value } of store.all()) {
          remember(options.keyId(key), { ...value, key, headers: {}, bytes: maxBytes === undefined ? 0 : options.entryBytes(key, value.value) })
        }
        // Stream time moves with any record of the task, not only those reaching this table.
        ctx.schedule(1, 'stream-time', (timestamp) => emitDue(timestamp))
      },
      process: (record) => {
        const id = options.keyId(record.key)
        const previous = buffered.get(id)
        const emitAtMs =
          suppressed.kind === 'until-window-closes'
            ? (options.windowCloseMs as (key: K) => number)(record.key)
            : (previous?.emitAtMs ?? record.timestamp + suppressed.timeLimitMs)
        const value = record.value ?? null
        const entry: SuppressedEntry<V> = { emitAtMs, timestamp: record.timestamp, value }
        store.put(record.key, entry)
        remember(id, { ...entry, key: record.key, headers: record.headers, bytes: maxBytes === undefined ? 0 : options.entryBytes(record.key, value) })
        emitDue(context.currentStreamTimeMs())
        enforceBounds()
      },
    }
    return processor
  }
}
