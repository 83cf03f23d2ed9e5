import { approximateBytes } from './approximate-size.js'
import type { ByteWrite, StoreBackend } from './backend.js'
import type { ChangeRecord } from './managed-store.js'

export interface WriteBackCacheOptions {
  /** Clean entries beyond this count are evicted (default 100_000). Dirty ones never are. */
  maxEntries?: number
  /** needsFlush() turns true when more entries than this are dirty (default 50_000). */
  maxDirty?: number
  /**
   * Clean entries are also evicted while the cache holds more than this many bytes (keys,
   * values and per-entry overhead, see entryBytes; default 32 MiB), and needsFlush() turns
   * true when the dirty ones hold more than half of it.
   */
  maxBytes?: number
}

/** How the cache turns its typed values into backend bytes and back. */
export interface ValueCodec<V> {
  /** A `null` result is stored as a deletion. */
  serialize(value: V): Buffer | null
  deserialize(data: Buffer): V
}

interface Entry<V> {
  /**
   * The key bytes as a latin1 string (one char per byte). Kept instead of the Buffer: small
   * Buffers are views into shared 8 KiB pool slabs, and a long-lived cache entry holding one
   * would keep its whole slab alive; a one-byte-per-char string costs only the key length.
   */
  readonly id: string
  /** `undefined`: absent in the store (a known miss, or a pending deletion when dirty). */
  value: V | undefined
  dirty: boolean
  /** Second-chance bit for the CLOCK eviction: set on every access. */
  used: boolean
  /** Whether the backend holds the key; `undefined` when written without a read. */
  inBackend: boolean | undefined
  /** What the entry holds, as entryBytes() estimates it; counted in the cache's totals. */
  bytes: number
  /** The value's serialized length as last read or flushed; -1 while not known. */
  storedBytes: number
}

export const DEFAULT_CACHE_MAX_ENTRIES = 100_000
export const DEFAULT_MAX_DIRTY = 50_000
/**
 * 32 MiB per store instance: the shipped topologies run one store per task, so 6 partitions
 * hold at most 192 MiB and 16 hold 512 MiB, which leaves room in a 1 GiB heap for the update
 * caches, the send buffer and fetched batches.
 */
export const DEFAULT_CACHE_MAX_BYTES = 32 * 1024 * 1024

/** The Entry object, its Map slot and the id string's header. */
const ENTRY_OVERHEAD_BYTES = 96

/**
 * What an entry holds: its key bytes (the id has one char per byte), its value (the serialized
 * length where known: the bytes it was read from or last flushed to, else approximateBytes)
 * and a fixed overhead.
 */
function entryBytes(id: string, value: unknown, storedBytes: number): number {
  let valueBytes: number
  if (value === undefined) valueBytes = 0
  else if (typeof value === 'number' || typeof value === 'boolean') valueBytes = 8
  else if (storedBytes >= 0) valueBytes = storedBytes
  else valueBytes = approximateBytes(value)
  return id.length + valueBytes + ENTRY_OVERHEAD_BYTES
}
/**
 * A write-back cache of deserialized values keyed by the serialized key bytes (as a latin1
 * string, one char per byte). A hot key is read from the backend and deserialized once, and
 * serialized once per flush however often it changes. Point operations are synchronous:
 * misses read through the backend's getSync, or are served by an earlier prefetch().
 *
 * Values are shared, not copied: a value returned by get() must not be mutated except
 * through a following put().
 */
/** What a cache has done since it was created: for the store-cache metrics. */
export interface CacheStats {
  /** Reads answered from the cache. */
  hits: number
  /** Reads (and prefetched keys) that had to go to the backend. */
  misses: number
  /** Clean entries dropped to stay within the bounds. */
  evictions: number
}

export class WriteBackCache<V> {
  private readonly entries = new Map<string, Entry<V>>()
  readonly stats: CacheStats = { hits: 0, misses: 0, evictions: 0 }
  /** Entries in the order they were first dirtied since the last flush; skip non-dirty ones. */
  private dirtyList: Entry<V>[] = []
  private dirty = 0
  private bytes = 0
  private dirtyBytes = 0
  private readonly maxEntries: number
  private readonly maxDirty: number
  private readonly maxBytes: number
  private readonly maxDirtyBytes: number
  /** Size that triggers the next eviction pass: above maxEntries while dirty entries block it. */
  private evictAt: number
  /** The same in bytes: above maxBytes while dirty entries block it. */
  private evictAtBytes: number

  constructor(
    private readonly backend: StoreBackend,
    private readonly codec: ValueCodec<V>,
    options: WriteBackCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_CACHE_MAX_ENTRIES
    this.maxDirty = options.maxDirty ?? DEFAULT_MAX_DIRTY
    this.maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES
    this.maxDirtyBytes = Math.floor(this.maxBytes / 2)
    this.evictAt = this.maxEntries
    this.evictAtBytes = this.maxBytes
    if (!(this.maxEntries >= 1)) throw new Error(`cache maxEntries must be at least 1, got ${this.maxEntries}`)
    if (!(this.maxDirty >= 0)) throw new Error(`cache maxDirty must be non-negative, got ${this.maxDirty}`)
    if (!(this.maxBytes >= 1)) throw new Error(`cache maxBytes must be at least 1, got ${this.maxBytes}`)
  }

  /** Number of cached entries, clean and dirty. */
  get size(): number {
    return this.entries.size
  }

  get dirtyCount(): number {
    return this.dirty
  }

  /** Bytes held by all entries, clean and dirty, as entryBytes() estimates them. */
  get sizeInBytes(): number {
    return this.bytes
  }

  get dirtySizeInBytes(): number {
    return this.dirtyBytes
  }

  needsFlush(): boolean {
    return this.dirty > this.maxDirty || this.dirtyBytes > this.maxDirtyBytes
  }

  get(key: Buffer): V | undefined {
    const id = key.toString('latin1')
    const entry = this.entries.get(id)
    if (entry !== undefined) {
      entry.used = true
      this.stats.hits++
      return entry.value
    }
    this.stats.misses++
    const raw = this.backend.getSync(key)
    const value = raw === undefined ? undefined : this.codec.deserialize(raw)
    this.insert(id, this.cleanEntry(id, value, raw))
    return value
  }

  /** `undefined` deletes the key. */
  put(key: Buffer, value: V | undefined): void {
    const id = key.toString('latin1')
    const entry = this.entries.get(id)
    if (entry === undefined) {
      const created: Entry<V> = { id, value, dirty: false, used: true, inBackend: undefined, bytes: entryBytes(id, value, -1), storedBytes: -1 }
      this.markDirty(created)
      this.insert(id, created)
      return
    }
    entry.value = value
    entry.used = true
    this.resize(entry, entryBytes(id, value, entry.storedBytes))
    if (!entry.dirty) this.markDirty(entry)
    if (this.bytes > this.evictAtBytes) this.evictIfFull()
  }

  /** Loads the keys not cached yet with one backend multi-get, so later get()s are hits. */
  async prefetch(keys: readonly Buffer[]): Promise<void> {
    const missing = new Map<string, Buffer>()
    for (const key of keys) {
      const id = key.toString('latin1')
      if (!this.entries.has(id)) missing.set(id, key)
    }
    if (missing.size === 0) return
    this.stats.misses += missing.size
    const ids = [...missing.keys()]
    const raws = await this.backend.getMany([...missing.values()])
    for (let i = 0; i < ids.length; i++) {
      // A put during the await is newer than what was read: keep it.
      if (this.entries.has(ids[i])) continue
      const raw = raws[i]
      const value = raw === undefined ? undefined : this.codec.deserialize(raw)
      const entry = this.cleanEntry(ids[i], value, raw)
      this.entries.set(ids[i], entry)
      this.bytes += entry.bytes
    }
    this.evictIfFull()
  }

  /**
   * Writes every dirty entry as ONE backend batch and returns the changes, latest value per key,
   * in the order keys were first dirtied. Values are serialized here, not on put.
   */
  async flush(): Promise<ChangeRecord[]> {
    const flushing = this.dirtyList.filter((entry) => entry.dirty)
    // Serialize before changing any state, so that a failing serializer leaves the cache intact.
    const batch: ByteWrite[] = flushing.map((entry) => ({
      key: Buffer.from(entry.id, 'latin1'),
      value: entry.value === undefined ? null : this.codec.serialize(entry.value),
    }))
    for (const entry of flushing) entry.dirty = false
    this.dirtyList = []
    this.dirty = 0
    this.dirtyBytes = 0
    try {
      if (batch.length > 0) await this.backend.write(batch)
    } catch (err) {
      // Entries re-dirtied meanwhile are already listed; put the rest back first, in order.
      const again = flushing.filter((entry) => !entry.dirty && this.entries.get(entry.id) === entry)
      for (const entry of again) {
        entry.dirty = true
        this.dirtyBytes += entry.bytes
      }
      this.dirtyList = [...again, ...this.dirtyList]
      this.dirty += again.length
      throw err
    }
    for (let i = 0; i < flushing.length; i++) {
      const entry = flushing[i]
      const stored = batch[i].value
      entry.inBackend = stored !== null
      // Now the value's size is known: count that rather than the estimate.
      entry.storedBytes = stored?.length ?? 0
      if (this.entries.get(entry.id) === entry) this.resize(entry, entryBytes(entry.id, entry.value, entry.storedBytes))
    }
    this.evictAt = this.maxEntries
    this.evictAtBytes = this.maxBytes
    this.evictIfFull()
    return batch
  }

  /** Forgets the keys (clean or dirty), e.g. because a restore wrote them straight to the backend. */
  invalidate(keys: readonly Buffer[]): void {
    if (this.entries.size === 0) return
    for (const key of keys) {
      const id = key.toString('latin1')
      const entry = this.entries.get(id)
      if (entry === undefined) continue
      if (entry.dirty) {
        entry.dirty = false
        this.dirty--
        this.dirtyBytes -= entry.bytes
      }
      this.bytes -= entry.bytes
      this.entries.delete(id)
    }
  }

  /** Forgets everything, including unflushed changes. */
  clear(): void {
    this.entries.clear()
    this.dirtyList = []
    this.dirty = 0
    this.bytes = 0
    this.dirtyBytes = 0
    this.evictAt = this.maxEntries
    this.evictAtBytes = this.maxBytes
  }

  /**
   * How the dirty entries will change the backend's key count once flushed. Exact for keys that
   * were read before being written; a blind put counts as new, a blind delete as nothing.
   */
  pendingCountDelta(): number {
    let delta = 0
    for (const entry of this.dirtyList) {
      if (!entry.dirty) continue
      if (entry.value !== undefined && entry.inBackend !== true) delta++
      else if (entry.value === undefined && entry.inBackend === true) delta--
    }
    return delta
  }

  /**
   * The store's contents in [gte, lt), by key bytes: the backend's rows merged with the dirty
   * entries (a dirty deletion hides a row, a dirty put replaces or inserts one). Dirty entries
   * are taken when iteration starts; later puts may or may not be seen.
   */
  async *scan(gte: Buffer | undefined, lt: Buffer | undefined): AsyncIterable<[Buffer, V]> {
    // latin1 strings compare as their bytes do, so the dirty entries are filtered and sorted as strings.
    const from = gte?.toString('latin1')
    const to = lt?.toString('latin1')
    const dirty: Entry<V>[] = []
    for (const entry of this.dirtyList) {
      if (entry.dirty && (from === undefined || entry.id >= from) && (to === undefined || entry.id < to)) dirty.push(entry)
    }
    dirty.sort((a, b) => (a.id < b.id ? -1 : 1))
    const pending = dirty.map((entry): [Buffer, V | undefined] => [Buffer.from(entry.id, 'latin1'), entry.value])
    let p = 0
    const range: { gte?: Buffer; lt?: Buffer } = {}
    if (gte !== undefined) range.gte = gte
    if (lt !== undefined) range.lt = lt
    for await (const [key, raw] of this.backend.entries(range)) {
      // Dirty keys before this row are inserts (or deletions of nothing); an equal one replaces it.
      let replaced = false
      while (p < pending.length) {
        const order = Buffer.compare(pending[p][0], key)
        if (order > 0) break
        const [pendingKey, value] = pending[p++]
        if (order === 0) replaced = true
        if (value !== undefined) yield [pendingKey, value]
        if (replaced) break
      }
      if (!replaced) yield [key, this.codec.deserialize(raw)]
    }
    for (; p < pending.length; p++) {
      const [pendingKey, value] = pending[p]
      if (value !== undefined) yield [pendingKey, value]
    }
  }

  private cleanEntry(id: string, value: V | undefined, raw: Buffer | undefined): Entry<V> {
    const storedBytes = raw?.length ?? -1
    return { id, value, dirty: false, used: true, inBackend: raw !== undefined, bytes: entryBytes(id, value, storedBytes), storedBytes }
  }

  private markDirty(entry: Entry<V>): void {
    entry.dirty = true
    this.dirtyList.push(entry)
    this.dirty++
    this.dirtyBytes += entry.bytes
  }

  /** Sets an entry's size, keeping the totals. */
  private resize(entry: Entry<V>, bytes: number): void {
    if (bytes === entry.bytes) return
    this.bytes += bytes - entry.bytes
    if (entry.dirty) this.dirtyBytes += bytes - entry.bytes
    entry.bytes = bytes
  }

  private insert(id: string, entry: Entry<V>): void {
    this.entries.set(id, entry)
    this.bytes += entry.bytes
    if (this.entries.size > this.evictAt || this.bytes > this.evictAtBytes) this.evictIfFull()
  }

  /**
   * CLOCK eviction down to 90% of the limits (entries and bytes), so its cost is paid once per
   * many inserts: clean entries not used since the last pass go; used ones lose their bit and
   * move to the back. When dirty entries keep the cache above a limit, the next pass waits for
   * another 10% of it (or the next flush), so that a cache full of dirty entries is not scanned
   * per insert; needsFlush() asks for that flush once the dirty bytes pass half of maxBytes.
   */
  private evictIfFull(): void {
    if (this.entries.size <= this.evictAt && this.bytes <= this.evictAtBytes) return
    const target = Math.floor(this.maxEntries * 0.9)
    const targetBytes = Math.floor(this.maxBytes * 0.9)
    const over = (): boolean => this.entries.size > target || this.bytes > targetBytes
    if (this.entries.size > this.dirty) {
      // Each entry is looked at most twice (once more after its second chance); dirty ones stay.
      let budget = 2 * this.entries.size
      for (const [id, entry] of this.entries) {
        if (!over() || budget-- <= 0) break
        if (entry.dirty) continue
        this.entries.delete(id)
        if (entry.used) {
          entry.used = false
          this.entries.set(id, entry)
        } else {
          this.bytes -= entry.bytes
          this.stats.evictions++
        }
      }
    }
    this.evictAt = Math.max(this.maxEntries, this.entries.size + Math.ceil(this.maxEntries * 0.1))
    this.evictAtBytes = Math.max(this.maxBytes, this.bytes + Math.ceil(this.maxBytes * 0.1))
  }
}
