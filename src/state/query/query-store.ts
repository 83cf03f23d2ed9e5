import { keySuccessor, narrowRange, prefixEnd } from '../bytes.js'
import type { OpenedStore } from '../open-store.js'
import { serializeKey } from '../serde-codec.js'
import type { StoreSpec } from '../store.js'
import { toJson } from './json-value.js'
import { prepareStoredEntries } from './prepare-stored-entries.js'
import { compareInstances, decodeCursor, encodeCursor, type StoreCursor } from './store-cursor.js'
import type { PageRequest, StoreRequest, StoreResult, StoreRow } from './store-request.js'
import { StoreRequestError } from './store-request-text.js'

/** One task's instance of a store. */
export interface StoreInstance {
  readonly task: string
  readonly store: OpenedStore
}

/**
 * Runs one page of a read over every given instance of one store (the local tasks that hold
 * it), in task order, each task's entries in backend key order. A key-value get looks in every
 * instance rather than computing the owning partition: a store's key need not be the key its
 * input was partitioned by (Processor API stores can be keyed by anything), and a stopped
 * application has no broker to ask for partition counts. A key found in several instances (a
 * stale copy left by a task that moved) shows once per task, so nothing is hidden.
 *
 * The page ends after `limit` entries, before the entry that would take the answer's JSON past
 * `maxBytes` (the first always goes in), or where the prepared bytes end; `next` then says
 * where to go on. A count counts up to `limit` entries per page the same way.
 */
export async function queryStorePage(spec: StoreSpec, topic: string, instances: readonly StoreInstance[], request: StoreRequest, page: PageRequest): Promise<StoreResult> {
  checkOperation(spec, request)
  if (!(page.limit >= 1)) throw new StoreRequestError(`limit must be 1 or more, got ${page.limit}`)
  const cursor = page.cursor === undefined ? undefined : decodeCursor(page.cursor)
  const sorted = [...instances].sort((a, b) => compareInstances(a.task, b.task)).filter(({ task }) => cursor === undefined || compareInstances(task, cursor.task) >= 0)
  const counting = request.op === 'count'
  const rows: StoreRow[] = []
  const perTask: { task: string; count: number }[] = []
  let entries = 0
  let last: StoreCursor | undefined
  // The answer's JSON size: the envelope, the rows with their commas, and `"next"` when it ends early.
  let bytes = Buffer.byteLength(toJson({ store: spec.name, type: spec.type, rows: [] }))
  const nextBytes = (next: string): number => Buffer.byteLength(`,"next":${JSON.stringify(next)}`)
  const result = (next: StoreCursor | undefined): StoreResult => {
    const more = next === undefined ? {} : { next: encodeCursor(next) }
    if (counting) return { store: spec.name, type: spec.type, count: perTask.reduce((sum, entry) => sum + entry.count, 0), perTask, ...more }
    return { store: spec.name, type: spec.type, rows, ...more }
  }
  for (const { task, store } of sorted) {
    const after = cursor !== undefined && task === cursor.task ? cursor.storeKey : undefined
    const through = await prepareStoredEntries(store, spec, topic, request, { after, maxEntries: page.limit - entries })
    const counted = { task, count: 0 }
    if (counting) perTask.push(counted)
    for await (const entry of read(store, request, { after, through })) {
      if (counting) {
        counted.count++
      } else {
        const row: StoreRow = { task, ...entry.row }
        const size = Buffer.byteLength(toJson(row)) + (rows.length > 0 ? 1 : 0)
        const stopHere: StoreCursor = { task, storeKey: entry.storeKey }
        if (rows.length > 0 && bytes + size + nextBytes(encodeCursor(stopHere)) > page.maxBytes) return result(last)
        rows.push(row)
        bytes += size
      }
      last = { task, storeKey: entry.storeKey }
      if (++entries >= page.limit) return result(last)
    }
    // The prepared bytes ended before the range did: the next page prepares and reads on from there.
    if (through !== undefined) return result({ task, storeKey: through })
  }
  return result(undefined)
}

/** The entries a request reads in one store, in backend key order, after `after` and through `through`. */
async function* read(store: OpenedStore, request: StoreRequest, bounds: { after?: Buffer; through?: Buffer }): AsyncIterable<{ storeKey: Buffer; row: Omit<StoreRow, 'task'> }> {
  if (store.storeType === 'keyValue') {
    const keyBytes = (key: unknown): Buffer => serializeKey(store.spec.keySerde, store.serdeTopic, store.name, key)
    let range: { gte?: Buffer; lt?: Buffer }
    switch (request.op) {
      case 'get': {
        const key = keyBytes(request.key)
        range = { gte: key, lt: keySuccessor(key) }
        break
      }
      case 'range':
        range = { gte: request.from === undefined ? undefined : keyBytes(request.from), lt: request.to === undefined ? undefined : keySuccessor(keyBytes(request.to)) }
        break
      case 'prefix': {
        const prefix = Buffer.from(request.prefix, 'utf8')
        range = prefix.length === 0 ? {} : { gte: prefix, lt: prefixEnd(prefix) }
        break
      }
      case 'count':
        range = {}
        break
      default:
        return
    }
    const narrowed = narrowRange(range, bounds.after, bounds.through)
    if (!narrowed) return
    for await (const { storeKey, key, value } of store.scanStored(narrowed)) yield { storeKey, row: { key, value } }
    return
  }
  if (request.op !== 'fetch' && request.op !== 'count') return
  const from = request.op === 'fetch' ? (request.from ?? 0) : 0
  const to = request.op === 'fetch' ? (request.to ?? Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER
  const key = request.op === 'fetch' ? request.key : undefined
  const entries =
    store.storeType === 'window'
      ? store.scanWindows(key, from, to, bounds)
      : store.scanSessions(key, { endFrom: from, endTo: Number.MAX_SAFE_INTEGER, startTo: to }, bounds)
  for await (const { storeKey, key: windowed, value } of entries) yield { storeKey, row: { key: windowed.key, window: windowed.window, value } }
}

function checkOperation(spec: StoreSpec, request: StoreRequest): void {
  if (request.op === 'count') return
  const windowOp = request.op === 'fetch'
  if (spec.type === 'window' && !windowOp) throw new StoreOperationError(`store ${spec.name} is a window store: use fetch <key> [--from time] [--to time] (or fetch without a key for all keys)`)
  if (spec.type === 'session' && !windowOp) {
    throw new StoreOperationError(`store ${spec.name} is a session store: use fetch <key> [--from time] [--to time] for the sessions overlapping [from, to] (or fetch without a key for all keys)`)
  }
  if (spec.type === 'keyValue' && windowOp) throw new StoreOperationError(`store ${spec.name} is a key-value store: use get, range or prefix`)
}

/** A read that does not fit the store (a window fetch on a key-value store, say). */
export class StoreOperationError extends Error {
  override readonly name = 'StoreOperationError'
}
