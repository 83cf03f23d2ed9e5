import type { ByteRange, ByteWrite, StoreBackend } from '../backend.js'

/**
 * An in-memory sorted map. Rows live in a Map keyed by the latin1 string of the key bytes
 * (one char per byte, so string order is byte order); scans use a sorted key array that is
 * brought up to date lazily, so that writes stay O(1) and only scans pay for ordering.
 * Values are kept as latin1 strings too: a copy that cannot alias the caller's buffer, and
 * that does not pin a shared 8 KiB Buffer pool slab per small value as a Buffer copy would.
 * Like Kafka Streams' in-memory stores, the contents are lost on close (the changelog
 * restores them).
 */
export class MemoryBackend implements StoreBackend {
  readonly kind = 'memory' as const
  private readonly rows = new Map<string, string>()
  /** Sorted keys; may still hold deleted keys until the next re-sort. Never mutated in place. */
  private sorted: string[] = []
  /** Keys added since the last re-sort, unsorted. */
  private added: string[] = []
  private deleted = 0

  async open(): Promise<void> {}

  async close(): Promise<void> {
    this.rows.clear()
    this.sorted = []
    this.added = []
    this.deleted = 0
  }

  getSync(key: Buffer): Buffer | undefined {
    const value = this.rows.get(key.toString('latin1'))
    return value === undefined ? undefined : Buffer.from(value, 'latin1')
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    return keys.map((key) => this.getSync(key))
  }

  async write(batch: readonly ByteWrite[]): Promise<void> {
    for (const { key, value } of batch) {
      const k = key.toString('latin1')
      if (value === null) {
        if (this.rows.delete(k)) this.deleted++
      } else {
        if (!this.rows.has(k)) this.added.push(k)
        this.rows.set(k, value.toString('latin1'))
      }
    }
  }

  async *entries(range: ByteRange): AsyncIterable<[Buffer, Buffer]> {
    // The array is replaced, never mutated, on re-sort: iterating it is a stable key snapshot.
    const keys = this.sortedKeys()
    const lo = range.gte === undefined ? 0 : lowerBound(keys, range.gte.toString('latin1'))
    const hi = range.lt === undefined ? keys.length : lowerBound(keys, range.lt.toString('latin1'))
    if (range.reverse) {
      for (let i = hi - 1; i >= lo; i--) {
        const value = this.rows.get(keys[i])
        if (value !== undefined) yield [Buffer.from(keys[i], 'latin1'), Buffer.from(value, 'latin1')]
      }
    } else {
      for (let i = lo; i < hi; i++) {
        const value = this.rows.get(keys[i])
        if (value !== undefined) yield [Buffer.from(keys[i], 'latin1'), Buffer.from(value, 'latin1')]
      }
    }
  }

  async clearRange(range: { gte: Buffer; lt: Buffer }): Promise<void> {
    const keys = this.sortedKeys()
    const hi = lowerBound(keys, range.lt.toString('latin1'))
    for (let i = lowerBound(keys, range.gte.toString('latin1')); i < hi; i++) {
      if (this.rows.delete(keys[i])) this.deleted++
    }
  }

  async approximateCount(): Promise<number> {
    return this.rows.size
  }

  private sortedKeys(): string[] {
    if (this.added.length === 0 && this.deleted === 0) return this.sorted
    // Merge the sorted array with the newly added keys, dropping deleted and repeated keys
    // (a key deleted and re-added is in both lists).
    const added = this.added.sort()
    const old = this.sorted
    const out: string[] = []
    let i = 0
    let j = 0
    while (i < old.length || j < added.length) {
      let next: string
      if (j >= added.length || (i < old.length && old[i] <= added[j])) next = old[i++]
      else next = added[j++]
      if (this.rows.has(next) && (out.length === 0 || out[out.length - 1] !== next)) out.push(next)
    }
    this.sorted = out
    this.added = []
    this.deleted = 0
    return out
  }
}

/** First index whose key is >= `target`. */
function lowerBound(keys: readonly string[], target: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid] < target) lo = mid + 1
    else hi = mid
  }
  return lo
}
