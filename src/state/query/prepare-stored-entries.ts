import type { ByteRange } from '../backend.js'
import { keySuccessor, narrowRange, prefixEnd } from '../bytes.js'
import type { OpenedStore } from '../open-store.js'
import { serializeKey } from '../serde-codec.js'
import type { StoreSpec } from '../store.js'
import { sessionBackendInnerKey, sessionKeyFromEnd } from '../session-key.js'
import { backendInnerKey, keyPrefix, segmentPrefix } from '../window-key.js'
import type { StoreRequest } from './store-request.js'

/** Raw entries handed to one prepare() call. */
const PREPARE_CHUNK = 1000

/**
 * Lets the store's serdes prepare (e.g. fetch the schemas of) the stored bytes a request will
 * decode, keys and values, before the store deserializes them synchronously: the key serde
 * sees the key's own bytes (inside a window store's [segment][len][key][start]). Only bytes in
 * the backend need it: entries still in the write-back cache were written by this process.
 * Serdes without prepare() cost nothing; one with it costs a raw pass over the same key range,
 * from after `after` and for at most `maxEntries` entries, so that a page prepares only itself.
 * Returns the last backend key prepared when it stopped there (the page must not read past
 * it), or undefined when everything to the range's end is prepared.
 */
export async function prepareStoredEntries(
  store: OpenedStore,
  spec: StoreSpec,
  topic: string,
  request: StoreRequest,
  bounds: { after?: Buffer; maxEntries?: number } = {},
): Promise<Buffer | undefined> {
  const { keySerde, valueSerde } = spec
  if (!keySerde.prepare && !valueSerde.prepare) return undefined
  const keyBytesOf = store.storeType === 'window' ? backendInnerKey : store.storeType === 'session' ? sessionBackendInnerKey : (key: Buffer) => key
  const maxEntries = bounds.maxEntries ?? Infinity
  let keys: Buffer[] = []
  let values: Buffer[] = []
  // Never an empty batch: prepare(topic, []) means "about to write" (a registry serde registers).
  const flush = async (): Promise<void> => {
    if (keys.length > 0) await keySerde.prepare?.(topic, keys)
    if (values.length > 0) await valueSerde.prepare?.(topic, values)
    keys = []
    values = []
  }
  let prepared = 0
  let horizon: Buffer | undefined
  ranges: for (const whole of rawRanges(store, topic, request)) {
    const range = narrowRange(whole, bounds.after)
    if (!range) continue
    for await (const [key, value] of store.backend.entries(range)) {
      if (keySerde.prepare) keys.push(keyBytesOf(key))
      if (valueSerde.prepare) values.push(value)
      if (keys.length >= PREPARE_CHUNK || values.length >= PREPARE_CHUNK) await flush()
      if (++prepared >= maxEntries) {
        horizon = Buffer.from(key)
        break ranges
      }
    }
  }
  if (keys.length > 0 || values.length > 0) await flush()
  return horizon
}

/** The backend key ranges a request reads, in the store's byte layout. */
function rawRanges(store: OpenedStore, topic: string, request: StoreRequest): ByteRange[] {
  const keyBytes = (key: unknown): Buffer => serializeKey(store.spec.keySerde, topic, store.name, key)
  if (store.storeType === 'keyValue') {
    switch (request.op) {
      case 'get':
        return [{ gte: keyBytes(request.key), lt: keySuccessor(keyBytes(request.key)) }]
      case 'range':
        return [{ gte: request.from === undefined ? undefined : keyBytes(request.from), lt: request.to === undefined ? undefined : keySuccessor(keyBytes(request.to)) }]
      case 'prefix': {
        const bytes = Buffer.from(request.prefix, 'utf8')
        return [{ gte: bytes, lt: prefixEnd(bytes) }]
      }
      default:
        return [{}]
    }
  }
  if (request.op !== 'fetch') return [{}]
  if (store.storeType === 'session') return sessionRanges(store.segmentIntervalMs, store.observedStreamTime - store.retentionMs, store.observedStreamTime, request.from ?? 0, request.key === undefined ? undefined : keyBytes(request.key))
  // Window keys start with a segment id: only the segments the time bounds cover.
  const from = Math.max(request.from ?? 0, 0)
  const to = Math.min(request.to ?? Number.MAX_SAFE_INTEGER, store.observedStreamTime)
  if (from > to) return []
  const first = Math.floor(from / store.segmentIntervalMs)
  const last = Math.floor(to / store.segmentIntervalMs)
  if (request.key === undefined) return [{ gte: segmentPrefix(first), lt: segmentPrefix(last + 1) }]
  const ranges: ByteRange[] = []
  for (let segment = first; segment <= last; segment++) {
    const prefix = keyPrefix(segment, keyBytes(request.key))
    ranges.push({ gte: prefix, lt: prefixEnd(prefix) })
  }
  return ranges
}

/**
 * Session keys start with the segment of their END: sessions overlapping [from, ...] end at or
 * after `from`, in the segments from there to the newest (a start bound cannot narrow the ends).
 */
function sessionRanges(segmentIntervalMs: number, liveFrom: number, observed: number, from: number, key: Buffer | undefined): ByteRange[] {
  const first = Math.max(from, liveFrom, 0)
  if (first > observed) return []
  const firstSegment = Math.floor(first / segmentIntervalMs)
  const lastSegment = Math.floor(observed / segmentIntervalMs)
  if (key === undefined) return [{ gte: segmentPrefix(firstSegment), lt: segmentPrefix(lastSegment + 1) }]
  const ranges: ByteRange[] = []
  for (let segment = firstSegment; segment <= lastSegment; segment++) {
    const prefix = keyPrefix(segment, key)
    ranges.push({ gte: segment === firstSegment ? sessionKeyFromEnd(segment, key, first) : prefix, lt: prefixEnd(prefix) })
  }
  return ranges
}
