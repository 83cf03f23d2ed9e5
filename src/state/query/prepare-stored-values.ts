import type { Serde } from '../../serde/serde.js'
import type { ByteRange } from '../backend.js'
import { keySuccessor, prefixEnd } from '../bytes.js'
import type { OpenedStore } from '../open-store.js'
import { serializeKey } from '../serde-codec.js'
import { keyPrefix, segmentPrefix } from '../window-key.js'
import type { StoreRequest } from './store-request.js'

/** Raw values handed to one prepare() call. */
const PREPARE_CHUNK = 1000

/**
 * Lets the value serde prepare (e.g. fetch the schemas of) the stored bytes a request will
 * decode, before the store deserializes them synchronously. Only bytes in the backend need
 * it: values still in the write-back cache are already decoded. A serde without prepare()
 * costs nothing; one with it costs a raw pass over the same key range.
 */
export async function prepareStoredValues(store: OpenedStore, valueSerde: Serde<unknown>, topic: string, request: StoreRequest): Promise<void> {
  const prepare = valueSerde.prepare
  if (!prepare) return
  let chunk: Buffer[] = []
  for (const range of rawRanges(store, topic, request)) {
    for await (const [, value] of store.backend.entries(range)) {
      chunk.push(value)
      if (chunk.length >= PREPARE_CHUNK) {
        await prepare.call(valueSerde, topic, chunk)
        chunk = []
      }
    }
  }
  if (chunk.length > 0) await prepare.call(valueSerde, topic, chunk)
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
