import type { KeyValue } from '../store.js'
import type { Windowed } from '../../base/windowed.js'
import type { StoreRequest, StoreResult, StoreRow } from './store-request.js'

/**
 * A key-value store of a running application, read across all of its local tasks. A read
 * goes page by page, each page between two batches (never during processing or a commit),
 * and sees the committed state plus what the tasks' caches hold; scans are returned whole,
 * in task order.
 */
export interface ReadOnlyKeyValueStore<K, V> {
  readonly name: string
  get(key: K): Promise<V | undefined>
  /** Inclusive range [from, to] in serialized-key order; an undefined bound is open. */
  range(from?: K, to?: K): Promise<KeyValue<K, V>[]>
  /** Entries whose serialized key starts with the prefix's UTF-8 bytes. */
  prefix(prefix: string): Promise<KeyValue<K, V>[]>
  all(): Promise<KeyValue<K, V>[]>
  count(): Promise<number>
}

/** A window store of a running application, read across all of its local tasks. */
export interface ReadOnlyWindowStore<K, V> {
  readonly name: string
  /** Windows of one key whose start lies in [timeFrom, timeTo] (both optional). */
  fetch(key: K, timeFrom?: number, timeTo?: number): Promise<KeyValue<Windowed<K>, V>[]>
  /** Windows of all keys whose start lies in [timeFrom, timeTo]. */
  fetchAll(timeFrom?: number, timeTo?: number): Promise<KeyValue<Windowed<K>, V>[]>
  all(): Promise<KeyValue<Windowed<K>, V>[]>
  count(): Promise<number>
}

/** A session store of a running application, read across all of its local tasks. */
export interface ReadOnlySessionStore<K, V> {
  readonly name: string
  /** Every session of one key, oldest first. */
  fetch(key: K): Promise<KeyValue<Windowed<K>, V>[]>
  /** Sessions of one key that end at or after `earliestSessionEndTime` and start at or before `latestSessionStartTime`. */
  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): Promise<KeyValue<Windowed<K>, V>[]>
  all(): Promise<KeyValue<Windowed<K>, V>[]>
  count(): Promise<number>
}

/** Runs one read over every local instance of a store. */
export type StoreReader = (request: StoreRequest) => Promise<StoreResult>

function rowsOf(result: StoreResult): readonly StoreRow[] {
  return 'rows' in result ? result.rows : []
}

function countOf(result: StoreResult): number {
  return 'count' in result ? result.count : 0
}

export function readOnlyKeyValueStore<K, V>(name: string, read: StoreReader): ReadOnlyKeyValueStore<K, V> {
  const entries = async (request: StoreRequest): Promise<KeyValue<K, V>[]> => rowsOf(await read(request)).map((row) => ({ key: row.key as K, value: row.value as V }))
  return {
    name,
    get: async (key) => rowsOf(await read({ op: 'get', key }))[0]?.value as V | undefined,
    range: (from, to) => entries({ op: 'range', from, to }),
    prefix: (prefix) => entries({ op: 'prefix', prefix }),
    all: () => entries({ op: 'range' }),
    count: async () => countOf(await read({ op: 'count' })),
  }
}

async function windowsOf<K, V>(read: StoreReader, request: StoreRequest): Promise<KeyValue<Windowed<K>, V>[]> {
  return rowsOf(await read(request)).map((row) => ({ key: { key: row.key as K, window: row.window as Windowed<K>['window'] }, value: row.value as V }))
}

export function readOnlyWindowStore<K, V>(name: string, read: StoreReader): ReadOnlyWindowStore<K, V> {
  const windows = (request: StoreRequest): Promise<KeyValue<Windowed<K>, V>[]> => windowsOf(read, request)
  return {
    name,
    fetch: (key, from, to) => windows({ op: 'fetch', key, from, to }),
    fetchAll: (from, to) => windows({ op: 'fetch', from, to }),
    all: () => windows({ op: 'fetch' }),
    count: async () => countOf(await read({ op: 'count' })),
  }
}

export function readOnlySessionStore<K, V>(name: string, read: StoreReader): ReadOnlySessionStore<K, V> {
  const sessions = (request: StoreRequest): Promise<KeyValue<Windowed<K>, V>[]> => windowsOf(read, request)
  return {
    name,
    fetch: (key) => sessions({ op: 'fetch', key }),
    findSessions: (key, earliestSessionEndTime, latestSessionStartTime) => sessions({ op: 'fetch', key, from: earliestSessionEndTime, to: latestSessionStartTime }),
    all: () => sessions({ op: 'fetch' }),
    count: async () => countOf(await read({ op: 'count' })),
  }
}
