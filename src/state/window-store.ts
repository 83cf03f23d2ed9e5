import type { Serde } from '../serde/serde.js'
import type { StoreBackend } from './backend.js'
import type { ChangeRecord, ManagedStore } from './managed-store.js'
import { deserializeKey, prepareSerdesToRead, serdeCodec, serializeKey } from './serde-codec.js'
import { narrowRange } from './bytes.js'
import type { KeyValue, StoreSpec, StoredEntry, WindowStore } from './store.js'
import type { StoreOptions } from './store-options.js'
import {
  changelogInnerKey,
  changelogKeyStart,
  checkTimestamp,
  decodeWindowKey,
  fromChangelogKey,
  readUint64,
  segmentPrefix,
  toChangelogKey,
  windowKey,
} from './window-key.js'
import type { Windowed } from '../base/windowed.js'
import { WriteBackCache, type CacheStats } from './write-back-cache.js'

/** Segments are never shorter than this, so that short retentions do not make tiny ranges. */
const MIN_SEGMENT_INTERVAL_MS = 60_000

/**
 * A window store: values per (key, window start), in segments of time so that expiry deletes
 * whole key ranges. Observed stream time is the largest window start ever put or restored; a
 * window whose start + retention <= observed stream time is expired: never returned, its puts
 * ignored (as in Kafka Streams), and its segment deleted from the backend at the next flush
 * once every window in it is expired.
 */
export class CachedWindowStore<K, V> implements WindowStore<K, V>, ManagedStore {
  readonly storeType = 'window' as const
  readonly name: string
  /** The spec with its types erased, as the task sees every store. */
  readonly spec: StoreSpec
  readonly windowSizeMs: number
  readonly retentionMs: number
  readonly segmentIntervalMs: number
  private readonly keySerde: Serde<K>
  /** The topic name handed to the serdes: the changelog topic, or the store name. */
  readonly serdeTopic: string
  private readonly cache: WriteBackCache<V>
  private observed = -1
  /** Segments below this one are known to be deleted from the backend. */
  private clearedBelow = 0

  constructor(
    spec: StoreSpec<K, V>,
    readonly backend: StoreBackend,
    options: StoreOptions = {},
  ) {
    if (spec.type !== 'window') throw new Error(`store ${spec.name} is a ${spec.type} store, not a window store`)
    const { windowSizeMs, retentionMs } = spec
    if (windowSizeMs === undefined || !Number.isSafeInteger(windowSizeMs) || windowSizeMs <= 0) {
      throw new Error(`window store ${spec.name} needs spec.windowSizeMs, a positive integer (got ${windowSizeMs})`)
    }
    if (retentionMs === undefined || !Number.isSafeInteger(retentionMs) || retentionMs < windowSizeMs) {
      throw new Error(
        `window store ${spec.name} needs spec.retentionMs, an integer no smaller than the window size ${windowSizeMs} (usually size + grace; got ${retentionMs})`,
      )
    }
    this.name = spec.name
    this.spec = spec as unknown as StoreSpec
    this.windowSizeMs = windowSizeMs
    this.retentionMs = retentionMs
    this.segmentIntervalMs = Math.max(Math.floor(retentionMs / 2), MIN_SEGMENT_INTERVAL_MS)
    this.keySerde = spec.keySerde
    this.serdeTopic = options.serdeTopic ?? spec.name
    this.cache = new WriteBackCache(backend, serdeCodec(spec.valueSerde, this.serdeTopic, spec.name), {
      maxEntries: options.cacheMaxEntries,
      maxDirty: options.maxDirty,
      maxBytes: options.cacheMaxBytes,
    })
  }

  /** The largest window start put or restored so far; -1 before any. */
  get observedStreamTime(): number {
    return this.observed
  }

  async open(): Promise<void> {
    await this.backend.open()
    this.observed = await this.recoverObservedStreamTime()
    this.clearedBelow = 0
  }

  /** Discards unflushed changes: flush() first to keep them. */
  async close(): Promise<void> {
    this.cache.clear()
    await this.backend.close()
  }

  put(key: K, value: V | null, windowStart: number): void {
    checkTimestamp('window start', windowStart)
    if (windowStart > this.observed) this.observed = windowStart
    if (this.isExpired(windowStart)) return
    this.cache.put(this.backendKey(this.keyBytes(key), windowStart), value === null ? undefined : value)
  }

  fetch(key: K, windowStart: number): V | undefined {
    checkTimestamp('window start', windowStart)
    // Nothing starts after the observed stream time: skip the read for a brand-new window.
    if (this.isExpired(windowStart) || windowStart > this.observed) return undefined
    return this.cache.get(this.backendKey(this.keyBytes(key), windowStart))
  }

  /** Loads the windows of a fetched batch with one multi-get, so that fetch() never waits. */
  prefetch(entries: readonly { key: K; windowStart: number }[]): Promise<void> {
    const keys: Buffer[] = []
    for (const { key, windowStart } of entries) {
      if (this.isExpired(windowStart) || windowStart > this.observed) continue
      keys.push(this.backendKey(this.keyBytes(key), windowStart))
    }
    return this.cache.prefetch(keys)
  }

  /** Windows of one key whose start lies in [timeFrom, timeTo], oldest first. */
  async *fetchRange(key: K, timeFrom: number, timeTo: number): AsyncIterable<KeyValue<Windowed<K>, V>> {
    for await (const { key: windowed, value } of this.scanWindows(key, timeFrom, timeTo)) yield { key: windowed, value }
  }

  /**
   * Windows of all keys whose start lies in [timeFrom, timeTo], ordered by segment (a span of
   * segmentIntervalMs), then by serialized key (its length first), then by start: oldest first
   * across segments, but not across keys within a segment.
   */
  async *fetchAll(timeFrom: number, timeTo: number): AsyncIterable<KeyValue<Windowed<K>, V>> {
    for await (const { key, value } of this.scanWindows(undefined, timeFrom, timeTo)) yield { key, value }
  }

  /**
   * fetchRange (a key) or fetchAll (no key) with each window's backend key, in backend key order,
   * limited to backend keys after `after` and up to `through`: a paged scan goes on from there.
   */
  async *scanWindows(key: K | undefined, timeFrom: number, timeTo: number, bounds: { after?: Buffer; through?: Buffer } = {}): AsyncIterable<StoredEntry<Windowed<K>, V>> {
    const live = this.liveBounds(timeFrom, timeTo)
    if (!live) return
    const [from, to] = live
    const keyBytes = key === undefined ? undefined : this.keyBytes(key)
    for (let segment = this.segmentOf(from); segment <= this.segmentOf(to); segment++) {
      const segmentRange =
        keyBytes === undefined
          ? { gte: segmentPrefix(segment), lt: segmentPrefix(segment + 1) }
          : { gte: windowKey(segment, keyBytes, Math.max(from, segment * this.segmentIntervalMs)), lt: windowKey(segment, keyBytes, Math.min(to, (segment + 1) * this.segmentIntervalMs - 1) + 1) }
      const range = narrowRange(segmentRange, bounds.after, bounds.through)
      if (!range) continue
      let lastKeyBytes: Buffer | undefined
      let lastKey: K | undefined
      for await (const [backendKey, value] of this.cache.scan(range.gte, range.lt)) {
        const decoded = decodeWindowKey(backendKey)
        if (decoded.start < from || decoded.start > to) continue
        // Consecutive windows of one key share a deserialized key.
        if (key !== undefined) lastKey = key
        else if (lastKeyBytes === undefined || !lastKeyBytes.equals(decoded.key)) {
          lastKeyBytes = decoded.key
          lastKey = deserializeKey(this.keySerde, this.serdeTopic, this.name, decoded.key)
        }
        const start = decoded.start
        yield { storeKey: backendKey, key: { key: lastKey as K, window: { start, end: start + this.windowSizeMs } }, value }
      }
    }
  }

  /** Every live window, in fetchAll() order. */
  all(): AsyncIterable<KeyValue<Windowed<K>, V>> {
    return this.fetchAll(0, Number.MAX_SAFE_INTEGER)
  }

  cacheStats(): CacheStats & { readonly bytes: number } {
    return { ...this.cache.stats, bytes: this.cache.sizeInBytes }
  }

  needsFlush(): boolean {
    return this.cache.needsFlush()
  }

  /** Changelog records are keyed [len][key][start], without the segment. */
  async flush(): Promise<ChangeRecord[]> {
    const written = await this.cache.flush()
    await this.dropExpiredSegments()
    return written.map((change) => ({ key: toChangelogKey(change.key), value: change.value }))
  }

  async restore(changes: readonly ChangeRecord[]): Promise<void> {
    if (changes.length === 0) return
    await prepareSerdesToRead(this.spec, this.serdeTopic, changes, changelogInnerKey)
    const starts = changes.map((change) => changelogKeyStart(change.key))
    for (const start of starts) if (start > this.observed) this.observed = start
    const writes: ChangeRecord[] = []
    for (let i = 0; i < changes.length; i++) {
      const start = starts[i]
      // Expired windows are not restored, as Kafka Streams skips expired segments.
      if (!this.isExpired(start)) writes.push({ key: fromChangelogKey(changes[i].key, this.segmentOf(start)), value: changes[i].value })
    }
    this.cache.invalidate(writes.map((write) => write.key))
    await this.backend.write(writes)
    await this.dropExpiredSegments()
  }

  private isExpired(windowStart: number): boolean {
    return windowStart + this.retentionMs <= this.observed
  }

  private segmentOf(windowStart: number): number {
    return Math.floor(windowStart / this.segmentIntervalMs)
  }

  /** [timeFrom, timeTo] narrowed to the starts that can hold live windows; undefined if none. */
  private liveBounds(timeFrom: number, timeTo: number): [number, number] | undefined {
    const from = Math.max(timeFrom, this.observed - this.retentionMs + 1, 0)
    const to = Math.min(timeTo, this.observed)
    return from <= to ? [from, to] : undefined
  }

  /** Deletes the segments in which every window is expired, one range delete for all. */
  private async dropExpiredSegments(): Promise<void> {
    const firstLiveStart = this.observed - this.retentionMs + 1
    if (firstLiveStart <= 0) return
    const firstLiveSegment = Math.floor(firstLiveStart / this.segmentIntervalMs)
    if (firstLiveSegment <= this.clearedBelow) return
    await this.backend.clearRange({ gte: segmentPrefix(this.clearedBelow), lt: segmentPrefix(firstLiveSegment) })
    this.clearedBelow = firstLiveSegment
  }

  /** The largest window start on disk: found in the last segment, the first one a reverse scan meets. */
  private async recoverObservedStreamTime(): Promise<number> {
    let lastSegment: number | undefined
    for await (const [key] of this.backend.entries({ reverse: true })) {
      lastSegment = readUint64(key, 0)
      break
    }
    if (lastSegment === undefined) return -1
    let max = -1
    for await (const [key] of this.backend.entries({ gte: segmentPrefix(lastSegment), lt: segmentPrefix(lastSegment + 1) })) {
      const start = readUint64(key, key.length - 8)
      if (start > max) max = start
    }
    return max
  }

  private keyBytes(key: K): Buffer {
    return serializeKey(this.keySerde, this.serdeTopic, this.name, key)
  }

  private backendKey(keyBytes: Buffer, windowStart: number): Buffer {
    return windowKey(this.segmentOf(windowStart), keyBytes, windowStart)
  }
}
