import type { OpenedStore } from '../open-store.js'
import type { StoreSpec } from '../store.js'
import { prepareStoredEntries } from './prepare-stored-entries.js'
import type { StoreRequest, StoreResult, StoreRow } from './store-request.js'

/** One task's instance of a store. */
export interface StoreInstance {
  readonly task: string
  readonly store: OpenedStore
}

/**
 * Runs a read over every given instance of one store (the local tasks that hold it), in task
 * order. A key-value get looks in every instance rather than computing the owning partition:
 * a store's key need not be the key its input was partitioned by (Processor API stores can
 * be keyed by anything), and a stopped application has no broker to ask for partition
 * counts. A key found in several instances (a stale copy left by a task that moved) shows
 * once per task, so nothing is hidden.
 */
export async function queryStore(spec: StoreSpec, topic: string, instances: readonly StoreInstance[], request: StoreRequest): Promise<StoreResult> {
  checkOperation(spec, request)
  const sorted = [...instances].sort((a, b) => compareTaskIds(a.task, b.task))
  if (request.op === 'count') {
    const perTask: { task: string; count: number }[] = []
    for (const { task, store } of sorted) {
      await prepareStoredEntries(store, spec, topic, request)
      let count = 0
      for await (const _entry of store.all()) count++
      perTask.push({ task, count })
    }
    return { store: spec.name, type: spec.type, count: perTask.reduce((sum, entry) => sum + entry.count, 0), perTask }
  }
  const rows: StoreRow[] = []
  for (const { task, store } of sorted) {
    await prepareStoredEntries(store, spec, topic, request)
    for await (const row of read(store, request)) rows.push({ task, ...row })
  }
  return { store: spec.name, type: spec.type, rows }
}

async function* read(store: OpenedStore, request: StoreRequest): AsyncIterable<Omit<StoreRow, 'task'>> {
  if (store.storeType === 'keyValue') {
    if (request.op === 'get') {
      const value = store.get(request.key)
      if (value !== undefined) yield { key: request.key, value }
      return
    }
    if (request.op === 'range') yield* store.range(request.from, request.to)
    else if (request.op === 'prefix') yield* store.prefixScan(request.prefix)
    return
  }
  if (request.op !== 'fetch') return
  const from = request.from ?? 0
  const to = request.to ?? Number.MAX_SAFE_INTEGER
  const windows = request.key === undefined ? store.fetchAll(from, to) : store.fetchRange(request.key, from, to)
  for await (const { key, value } of windows) yield { key: key.key, window: key.window, value }
}

function checkOperation(spec: StoreSpec, request: StoreRequest): void {
  if (request.op === 'count') return
  const windowOp = request.op === 'fetch'
  if (spec.type === 'window' && !windowOp) throw new StoreOperationError(`store ${spec.name} is a window store: use fetch <key> [--from time] [--to time] (or fetch without a key for all keys)`)
  if (spec.type === 'keyValue' && windowOp) throw new StoreOperationError(`store ${spec.name} is a key-value store: use get, range or prefix`)
}

/** A read that does not fit the store (a window fetch on a key-value store, say). */
export class StoreOperationError extends Error {
  override readonly name = 'StoreOperationError'
}

/** Task ids `<subtopology>_<partition>` in numeric order (1_2 before 1_10). */
export function compareTaskIds(a: string, b: string): number {
  const [sa, pa] = a.split('_').map(Number)
  const [sb, pb] = b.split('_').map(Number)
  return sa - sb || pa - pb || a.localeCompare(b)
}
