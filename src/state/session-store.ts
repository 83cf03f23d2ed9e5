import type { Windowed } from '../base/windowed.js'
import type { Serde } from '../serde/serde.js'
import type { StoreBackend } from './backend.js'
import { narrowRange } from './bytes.js'
import type { ChangeRecord, ManagedStore } from './managed-store.js'
import { deserializeKey, prepareSerdesToRead, serdeCodec, serializeKey } from './serde-codec.js'
import {
  backendKeyEnd,
  decodeSessionKey,
  fromSessionChangelogKey,
  sessionChangelogInnerKey,
  sessionChangelogKeyEnd,
  sessionKey,
  sessionKeyFromEnd,
  toSessionChangelogKey,
} from './session-key.js'
import type { KeyValue, SessionStore, StoreSpec, StoredEntry } from './store.js'
import type { StoreOptions } from './store-options.js'
import { checkTimestamp, readUint64, segmentPrefix } from './window-key.js'
import { WriteBackCache, type CacheStats } from './write-back-cache.js'

/** Segments are never shorter than this, so that short retentions do not make tiny ranges. */
const MIN_SEGMENT_INTERVAL_MS = 60_000

/** Which sessions a scan returns: ends in [endFrom, endTo], starts at or before startTo. */
export interface SessionBounds {
  readonly endFrom: number
  readonly endTo: number
  readonly startTo: number
}

const EVERY_SESSION: SessionBounds = { endFrom: 0, endTo: Number.MAX_SAFE_INTEGER, startTo: Number.MAX_SAFE_INTEGER }

/**
 * A session store: values per (key, session [start, end]), in segments of session end time so
 * that expiry deletes whole key ranges. Observed stream time is the largest session end ever
 * put or restored; a session whose end + retention < observed stream time is expired: never
 * returned, its puts ignored, and its segment deleted from the backend at the next flush once
 * every session in it is expired.
 *
 * Expiry is strict (a session whose end + retention equals the observed time still lives) so
 * that with retention = inactivity gap + grace a session stays readable for exactly as long as
 * a record may still join it: the session aggregation closes a session once stream time is
 * past end + gap + grace, and observed stream time never runs ahead of stream time.
 */
export class CachedSessionStore<K, V> implements SessionStore<K, V>, ManagedStore {
  readonly storeType = 'session' as const
  readonly name: string
  /** The spec with its types erased, as the task sees every store. */
  readonly spec: StoreSpec
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
    if (spec.type !== 'session') throw new Error(`store ${spec.name} is a ${spec.type} store, not a session store`)
    const { retentionMs } = spec
    if (retentionMs === undefined || !Number.isSafeInteger(retentionMs) || retentionMs < 0) {
      throw new Error(`session store ${spec.name} needs spec.retentionMs, a non-negative integer (usually inactivity gap + grace; got ${retentionMs})`)
    }
    this.name = spec.name
    this.spec = spec as unknown as StoreSpec
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

  /** The largest session end put or restored so far; -1 before any. */
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

  put(session: Windowed<K>, value: V | null): void {
    const { start, end } = checkSession(session)
    if (end > this.observed) this.observed = end
    if (this.isExpired(end)) return
    this.cache.put(this.backendKey(this.keyBytes(session.key), start, end), value === null ? undefined : value)
  }

  remove(session: Windowed<K>): void {
    const { start, end } = checkSession(session)
    if (this.isExpired(end) || end > this.observed) return
    this.cache.put(this.backendKey(this.keyBytes(session.key), start, end), undefined)
  }

  fetchSession(key: K, sessionStart: number, sessionEnd: number): V | undefined {
    checkSession({ key, window: { start: sessionStart, end: sessionEnd } })
    // Nothing ends after the observed stream time: skip the read for a brand-new session.
    if (this.isExpired(sessionEnd) || sessionEnd > this.observed) return undefined
    return this.cache.get(this.backendKey(this.keyBytes(key), sessionStart, sessionEnd))
  }

  async *findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): AsyncIterable<KeyValue<Windowed<K>, V>> {
    const bounds = { endFrom: earliestSessionEndTime, endTo: Number.MAX_SAFE_INTEGER, startTo: latestSessionStartTime }
    for await (const { key: session, value } of this.scanSessions(key, bounds)) yield { key: session, value }
  }

  async *findAllSessions(earliestSessionEndTime: number, latestSessionEndTime: number): AsyncIterable<KeyValue<Windowed<K>, V>> {
    const bounds = { endFrom: earliestSessionEndTime, endTo: latestSessionEndTime, startTo: Number.MAX_SAFE_INTEGER }
    for await (const { key: session, value } of this.scanSessions(undefined, bounds)) yield { key: session, value }
  }

  fetch(key: K): AsyncIterable<KeyValue<Windowed<K>, V>> {
    return this.findSessions(key, 0, Number.MAX_SAFE_INTEGER)
  }

  /**
   * Every live session, ordered by segment (a span of segmentIntervalMs of session ends), then
   * by serialized key (its length first), then by end.
   */
  all(): AsyncIterable<KeyValue<Windowed<K>, V>> {
    return this.findAllSessions(0, Number.MAX_SAFE_INTEGER)
  }

  /**
   * Sessions of one key (or of all keys) within the bounds, with each one's backend key, in
   * backend key order, limited to backend keys after `after` and up to `through`: a paged scan
   * goes on from there.
   */
  async *scanSessions(key: K | undefined, sessions: SessionBounds = EVERY_SESSION, bounds: { after?: Buffer; through?: Buffer } = {}): AsyncIterable<StoredEntry<Windowed<K>, V>> {
    const from = Math.max(sessions.endFrom, this.observed - this.retentionMs, 0)
    const to = Math.min(sessions.endTo, this.observed)
    if (from > to) return
    const keyBytes = key === undefined ? undefined : this.keyBytes(key)
    for (let segment = this.segmentOf(from); segment <= this.segmentOf(to); segment++) {
      const segmentRange =
        keyBytes === undefined
          ? { gte: segmentPrefix(segment), lt: segmentPrefix(segment + 1) }
          : {
              gte: sessionKeyFromEnd(segment, keyBytes, Math.max(from, segment * this.segmentIntervalMs)),
              lt: sessionKeyFromEnd(segment, keyBytes, Math.min(to, (segment + 1) * this.segmentIntervalMs - 1) + 1),
            }
      const range = narrowRange(segmentRange, bounds.after, bounds.through)
      if (!range) continue
      let lastKeyBytes: Buffer | undefined
      let lastKey: K | undefined
      for await (const [backendKey, value] of this.cache.scan(range.gte, range.lt)) {
        const decoded = decodeSessionKey(backendKey)
        if (decoded.end < from || decoded.end > to || decoded.start > sessions.startTo) continue
        // Consecutive sessions of one key share a deserialized key.
        if (key !== undefined) lastKey = key
        else if (lastKeyBytes === undefined || !lastKeyBytes.equals(decoded.key)) {
          lastKeyBytes = decoded.key
          lastKey = deserializeKey(this.keySerde, this.serdeTopic, this.name, decoded.key)
        }
        yield { storeKey: backendKey, key: { key: lastKey as K, window: { start: decoded.start, end: decoded.end } }, value }
      }
    }
  }

  cacheStats(): CacheStats & { readonly bytes: number } {
    return { ...this.cache.stats, bytes: this.cache.sizeInBytes }
  }

  needsFlush(): boolean {
    return this.cache.needsFlush()
  }

  /** Changelog records are keyed [len][key][end][start], without the segment. */
  async flush(): Promise<ChangeRecord[]> {
    const written = await this.cache.flush()
    await this.dropExpiredSegments()
    return written.map((change) => ({ key: toSessionChangelogKey(change.key), value: change.value }))
  }

  async restore(changes: readonly ChangeRecord[]): Promise<void> {
    if (changes.length === 0) return
    await prepareSerdesToRead(this.spec, this.serdeTopic, changes, sessionChangelogInnerKey)
    const ends = changes.map((change) => sessionChangelogKeyEnd(change.key))
    for (const end of ends) if (end > this.observed) this.observed = end
    const writes: ChangeRecord[] = []
    for (let i = 0; i < changes.length; i++) {
      // Expired sessions are not restored.
      if (!this.isExpired(ends[i])) writes.push({ key: fromSessionChangelogKey(changes[i].key, this.segmentOf(ends[i])), value: changes[i].value })
    }
    this.cache.invalidate(writes.map((write) => write.key))
    await this.backend.write(writes)
    await this.dropExpiredSegments()
  }

  private isExpired(sessionEnd: number): boolean {
    return sessionEnd + this.retentionMs < this.observed
  }

  private segmentOf(sessionEnd: number): number {
    return Math.floor(sessionEnd / this.segmentIntervalMs)
  }

  /** Deletes the segments in which every session is expired, one range delete for all. */
  private async dropExpiredSegments(): Promise<void> {
    const firstLiveEnd = this.observed - this.retentionMs
    if (firstLiveEnd <= 0) return
    const firstLiveSegment = Math.floor(firstLiveEnd / this.segmentIntervalMs)
    if (firstLiveSegment <= this.clearedBelow) return
    await this.backend.clearRange({ gte: segmentPrefix(this.clearedBelow), lt: segmentPrefix(firstLiveSegment) })
    this.clearedBelow = firstLiveSegment
  }

  /** The largest session end on disk: found in the last segment, the first one a reverse scan meets. */
  private async recoverObservedStreamTime(): Promise<number> {
    let lastSegment: number | undefined
    for await (const [key] of this.backend.entries({ reverse: true })) {
      lastSegment = readUint64(key, 0)
      break
    }
    if (lastSegment === undefined) return -1
    let max = -1
    for await (const [key] of this.backend.entries({ gte: segmentPrefix(lastSegment), lt: segmentPrefix(lastSegment + 1) })) {
      const end = backendKeyEnd(key)
      if (end > max) max = end
    }
    return max
  }

  private keyBytes(key: K): Buffer {
    return serializeKey(this.keySerde, this.serdeTopic, this.name, key)
  }

  private backendKey(keyBytes: Buffer, start: number, end: number): Buffer {
    return sessionKey(this.segmentOf(end), keyBytes, start, end)
  }
}

function checkSession<K>(session: Windowed<K>): { start: number; end: number } {
  const { start, end } = session.window
  checkTimestamp('session start', start)
  checkTimestamp('session end', end)
  if (end < start) throw new Error(`a session cannot end (${end}) before it starts (${start})`)
  return { start, end }
}
