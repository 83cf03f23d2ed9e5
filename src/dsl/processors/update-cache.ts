import type { Record } from '../../processor/record.js'
import { approximateBytes } from '../../state/approximate-size.js'
import type { TaskMetrics } from '../../processor/task-metrics.js'

/**
 * 8 MiB per caching processor per task: with the shipped topologies (one aggregation per task)
 * 6 partitions hold at most 48 MiB of updates; past it the oldest are forwarded early, so large
 * keys cost more writes downstream, not memory.
 */
export const DEFAULT_UPDATE_CACHE_MAX_BYTES = 8 * 1024 * 1024

/** The held update's Record, its Map slot and the id's string header. */
const HELD_OVERHEAD_BYTES = 128

interface Held<K, V> {
  readonly record: Record<K, V>
  readonly bytes: number
}

/**
 * Holds an aggregation's latest update per key until the task commits, as Kafka Streams' record
 * cache does: a key updated many times between two commits is forwarded once, with its latest
 * value (and that update's timestamp and headers). A table's readers need its latest values, not
 * every intermediate one, and each update held back is a record not written downstream.
 *
 * With `maxEntries` 0 every update is forwarded at once. Past `maxEntries` keys, or `maxBytes`
 * held, the least recently updated ones are forwarded early (down to 90%), so memory stays
 * bounded between commits. A held update counts its id twice (the id string, and the key it
 * names, of which it is the text form), its value's approximateBytes and a fixed overhead.
 */
export class UpdateCache<K, V> {
  /** In order of last update: a key updated again moves to the back. */
  private readonly pending = new Map<string, Held<K, V>>()
  private held = 0

  constructor(
    private readonly maxEntries: number,
    private readonly forward: (record: Record<K, V>) => void,
    private readonly maxBytes = DEFAULT_UPDATE_CACHE_MAX_BYTES,
    /** Where absorbed updates and early forwards are counted (the task's metrics). */
    private readonly metrics?: Pick<TaskMetrics, 'updateCacheHits' | 'updateCacheEvictions' | 'updateCacheBytes'>,
  ) {
    if (!(maxBytes >= 1)) throw new Error(`update cache maxBytes must be at least 1, got ${maxBytes}`)
  }

  get size(): number {
    return this.pending.size
  }

  /** Bytes held, as estimated (see the class comment). */
  get sizeInBytes(): number {
    return this.held
  }

  /** False when every update is forwarded at once: callers can skip naming keys. */
  get holdsUpdates(): boolean {
    return this.maxEntries > 0
  }

  /** `id` names the key (and window) updated; an update without one is forwarded at once. */
  add(id: string | undefined, record: Record<K, V>): void {
    if (this.maxEntries <= 0 || id === undefined) {
      this.forward(record)
      return
    }
    const previous = this.pending.get(id)
    if (previous !== undefined) {
      this.held -= previous.bytes
      this.pending.delete(id)
      if (this.metrics) this.metrics.updateCacheHits++
    }
    const bytes = 2 * id.length + approximateBytes(record.value) + HELD_OVERHEAD_BYTES
    this.pending.set(id, { record, bytes })
    this.held += bytes
    if (this.metrics) this.metrics.updateCacheBytes += bytes - (previous?.bytes ?? 0)
    if (this.pending.size > this.maxEntries || this.held > this.maxBytes) {
      const forwarded = this.forwardOldest(this.pending.size - Math.floor(this.maxEntries * 0.9), Math.floor(this.maxBytes * 0.9))
      if (this.metrics) this.metrics.updateCacheEvictions += forwarded
    }
  }

  /** Forwards every held update, least recently updated first. */
  forwardAll(): void {
    this.forwardOldest(this.pending.size, 0)
  }

  /** Forwards the least recently updated: at least `count`, and until at most `keepBytes` are held. */
  private forwardOldest(count: number, keepBytes: number): number {
    const taken: Record<K, V>[] = []
    const heldBefore = this.held
    for (const [id, { record, bytes }] of this.pending) {
      if (taken.length >= count && this.held <= keepBytes) break
      taken.push(record)
      this.pending.delete(id)
      this.held -= bytes
    }
    if (this.metrics) this.metrics.updateCacheBytes -= heldBefore - this.held
    for (const record of taken) this.forward(record)
    return taken.length
  }
}

/**
 * A string naming a key, equal for equal keys of the usual kinds (strings, numbers, bytes,
 * JSON-like objects); `undefined` when there is none, and the update is then not held.
 */
export function cacheIdOf(key: unknown): string | undefined {
  switch (typeof key) {
    case 'string':
      return `s${key}`
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof key}:${String(key)}`
    case 'object':
      if (key === null) return 'null'
      if (Buffer.isBuffer(key)) return `b${key.toString('latin1')}`
      try {
        return `j${JSON.stringify(key)}`
      } catch {
        return undefined
      }
    default:
      return undefined
  }
}
