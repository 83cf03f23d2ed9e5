import type { ByteRange } from '../backend.js'
import { keySuccessor, prefixEnd } from '../bytes.js'
import type { OpenedStore } from '../open-store.js'
import { serializeKey } from '../serde-codec.js'
import type { StoreSpec } from '../store.js'
import { backendInnerKey, keyPrefix, segmentPrefix } from '../window-key.js'
import type { StoreRequest } from './store-request.js'

/** Raw entries handed to one prepare() call. */
const PREPARE_CHUNK = 1000

/**
 * Lets the store's serdes prepare (e.g. fetch the schemas of) the stored bytes a request will
 * decode, keys and values, before the store deserializes them synchronously: the key serde
 * sees the key's own bytes (inside a window store's [segment][len][key][start]). Only bytes in
 * the backend need it: entries still in the write-back cache were written by this process.
 * Serdes without prepare() cost nothing; one with it costs a raw pass over the same key range.
 */
export async function prepareStoredEntries(store: OpenedStore, spec: StoreSpec, topic: string, request: StoreRequest): Promise<void> {
  const { keySerde, valueSerde } = spec
  if (!keySerde.prepare && !valueSerde.prepare) return
  const keyBytesOf = store.storeType === 'window' ? backendInnerKey : (key: Buffer) => key
  let keys: Buffer[] = []
  let values: Buffer[] = []
  // Never an empty batch: prepare(topic, []) means "about to write" (a registry serde registers).
  const flush = async (): Promise<void> => {
    if (keys.length > 0) await keySerde.prepare?.(topic, keys)
    if (values.length > 0) await valueSerde.prepare?.(topic, values)
    keys = []
    values = []
  }
  for (const range of rawRanges(store, topic, request)) {
    for await (const [key, value] of store.backend.entries(range)) {
      if (keySerde.prepare) keys.push(keyBytesOf(key))
      if (valueSerde.prepare) values.push(value)
      if (keys.length >= PREPARE_CHUNK || values.length >= PREPARE_CHUNK) await flush()
    }
  }
  if (keys.length > 0 || values.length > 0) await flush()
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
