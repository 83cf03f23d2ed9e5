import type { Record } from '../../processor/record.js'

/**
 * Holds an aggregation's latest update per key until the task commits, as Kafka Streams' record
 * cache does: a key updated many times between two commits is forwarded once, with its latest
 * value (and that update's timestamp and headers). A table's readers need its latest values, not
 * every intermediate one, and each update held back is a record not written downstream.
 *
 * With `maxEntries` 0 every update is forwarded at once. Past `maxEntries` keys, the least
 * recently updated ones are forwarded early, so memory stays bounded between commits.
 */
export class UpdateCache<K, V> {
  /** In order of last update: a key updated again moves to the back. */
  private readonly pending = new Map<string, Record<K, V>>()

  constructor(
    private readonly maxEntries: number,
    private readonly forward: (record: Record<K, V>) => void,
  ) {}

  get size(): number {
    return this.pending.size
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
    this.pending.delete(id)
    this.pending.set(id, record)
    if (this.pending.size > this.maxEntries) this.forwardOldest(this.pending.size - Math.floor(this.maxEntries * 0.9))
  }

  /** Forwards every held update, least recently updated first. */
  forwardAll(): void {
    this.forwardOldest(this.pending.size)
  }

  private forwardOldest(count: number): void {
    const taken: Record<K, V>[] = []
    for (const [id, record] of this.pending) {
      if (taken.length >= count) break
      taken.push(record)
      this.pending.delete(id)
    }
    for (const record of taken) this.forward(record)
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
